export { formatEventCounts, formatReplay, replayReport } from './replayReport.ts'
export { costReport, formatCostReport } from './costReport.ts'
export { formatRmapCostReport, rmapCostReport } from './rmapCostReport.ts'
export { formatLockReport, lockReport } from './lockReport.ts'
export { DEFAULT_PERFETTO_FOLIOS, exportPerfetto, TIME_AXIS } from './perfettoExport.ts'
export { exportSelftestC, SelftestError } from './selftestExport.ts'
export { DEFAULT_REPORT_FOLIOS, reportData } from './reportData.ts'
export { htmlReport } from './htmlReport.ts'
export { JSON_FORMATS, jsonDocument } from './jsonDocument.ts'
export type { JsonCommand } from './jsonDocument.ts'

// Public API not (yet) imported by name elsewhere: the option and result types of the functions above.
/** @public what replayReport returns (formatReplay's input) */
export type { ReplayReport } from './replayReport.ts'
/** @public what costReport returns (formatCostReport's input) */
export type { CostReport } from './costReport.ts'
/** @public what rmapCostReport returns (formatRmapCostReport's input) */
export type { RmapCostReport } from './rmapCostReport.ts'
/** @public what lockReport returns (formatLockReport's input) */
export type { LockReport } from './lockReport.ts'
/** @public options and result of exportPerfetto */
export type { PerfettoOptions, PerfettoSummary } from './perfettoExport.ts'
/** @public what reportData returns (htmlReport's input) */
export type { ReportData } from './reportData.ts'
