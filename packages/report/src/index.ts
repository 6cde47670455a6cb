export { formatReplay, replayReport } from './replayReport.ts'
export type { ReplayReport } from './replayReport.ts'
export { costReport, formatCostReport } from './costReport.ts'
export type { CostReport } from './costReport.ts'
