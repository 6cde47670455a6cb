export { replayTrace } from './replayTrace.ts'
export type { ReplayOptions, ReplayResult } from './replayTrace.ts'
export { replayTraceWithStrategies } from './strategyReplay.ts'
export type { StrategyOutcome, StrategyReplayOptions, StrategyReplayResult } from './strategyReplay.ts'
