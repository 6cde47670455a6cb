export { replayTrace } from './replayTrace.ts'
export type { ReplayResult } from './replayTrace.ts'
export { replayTraceWithStrategies } from './strategyReplay.ts'
export type { StrategyOutcome, StrategyReplayResult } from './strategyReplay.ts'
export { isQueryName, QUERY_NAMES } from './answerSides.ts'
export type { QueryName } from './answerSides.ts'
export type { Versus } from './divergenceScanner.ts'
export { bisectTrace } from './bisectAnswers.ts'
export type { BisectResult } from './bisectAnswers.ts'
export { buildKernelSidecar, readKernelSidecar, sidecarPath, writeKernelSidecar } from './kernelSidecar.ts'
export type { KernelSidecar } from './kernelSidecar.ts'
export { diffTrace } from './diffTrace.ts'
export { bisectHvoWrite } from './hvoWriteScan.ts'
export { inspectTrace } from './inspectTrace.ts'
export { inspectTraceWithPatches } from './inspectPatches.ts'
export { formatPatches } from './formatPatches.ts'
export { formatDivergence, formatEvent } from './formatDivergence.ts'
export { formatDiff } from './formatDiff.ts'
export { formatInspection } from './formatInspection.ts'
export { num, ratio, table, wrap } from './formatTable.ts'
export type { Cell, Column } from './formatTable.ts'
export { BisectAbortError, BisectBogusStatusError, bisectRun } from './bisectRun.ts'
export type { RunStep } from './bisectRun.ts'
export { shrinkScenario } from './shrinkScenario.ts'
export type { Interesting } from './shrinkScenario.ts'
export { divergenceInteresting, scenarioDivergence } from './divergenceInteresting.ts'
export type { ScenarioVersus } from './divergenceInteresting.ts'
export { FAULT_PATTERNS, HUGE_PAGE_SIZES, LOCK_DEFAULTS, simulateLocks } from './lockContention.ts'
export type { FaultPattern, HugePageSize, LockReport } from './lockContention.ts'
export { bytesText, HVO_SIZES, hvoReport, parseHvoPool } from './hvoReport.ts'
export type { HvoReport, HvoSize } from './hvoReport.ts'
export { diffTestSeed } from './diffTest.ts'
export type { DiffTestCase, DiffTestMix } from './diffTest.ts'
export { LOCK_CLASSES } from './heldLocks.ts'
export type { LockTally } from './heldLocks.ts'
export { lockModelsFor } from './lockReplay.ts'

// Public API not (yet) imported by name elsewhere: the option and result types of the functions above.
/** @public options of replayTrace */
export type { ReplayOptions } from './replayTrace.ts'
/** @public options of replayTraceWithStrategies */
export type { StrategyReplayOptions } from './strategyReplay.ts'
/** @public options of bisectTrace; the divergence and context events formatDivergence takes */
export type { BisectOptions, IndexedEvent } from './bisectAnswers.ts'
/** @public */
export type { Divergence } from './divergenceScanner.ts'
/** @public options and result of diffTrace (formatDiff's input) */
export type { DiffOptions, DiffResult } from './diffTrace.ts'
/** @public result of bisectHvoWrite */
export type { HvoWriteResult } from './hvoWriteScan.ts'
/** @public options and result of inspectTrace (formatInspection's input) */
export type { Inspection, InspectOptions } from './inspectTrace.ts'
/** @public result of inspectTraceWithPatches */
export type { InspectionWithPatches } from './inspectPatches.ts'
/** @public formatPatches's input */
export type { StatePatch } from './statePatches.ts'
/** @public options and result of bisectRun */
export type { BisectRunOptions, BisectRunResult } from './bisectRun.ts'
/** @public options and result of shrinkScenario */
export type { ShrinkOptions, ShrinkResult } from './shrinkScenario.ts'
/** @public simulateLocks's input */
export type { LockModel } from './lockContention.ts'
/** @public options of diffTestSeed */
export type { DiffTestOptions } from './diffTest.ts'
