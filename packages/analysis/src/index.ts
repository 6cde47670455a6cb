export { replayTrace } from './replayTrace.ts'
export type { ReplayOptions, ReplayResult } from './replayTrace.ts'
