export { formatReplay, replayReport } from './replayReport.ts'
export type { ReplayReport } from './replayReport.ts'
