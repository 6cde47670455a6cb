/**
 * Simulated Linux 6.18 kernel (issue 4): scenario statements -> the MM events the kernel performs.
 *
 * API summary:
 * - simulateScenario(parsed): SimResult {events, observation, state} — throws FatalScenarioError on a
 *   refused fork; refusals are in observation.refused.
 * - runScenario(parsed, sink): SimRun {events (count), observation, truth} — the same run, each event handed
 *   to sink as it is emitted (a scratch object) and none kept; simDetail(observer) is its observation's detail.
 * - compareObservations(model, kernel, ignore?): Comparison {agree, checks, pages, differences}.
 * - scenarioHash(statements): hash of the normalised scenario (printScenario text).
 * - NotModelled: thrown (`file:line: not modelled: …`) where a scenario reaches what the simulator does not model.
 */
export { runScenario, simDetail, simulateScenario, FatalScenarioError } from './simulateScenario.ts'
export type { SimResult, SimRun } from './simulateScenario.ts'
export type { EventSink } from './simContext.ts'
export { NotModelled } from './simContext.ts'
export { compareObservations } from './compareObservations.ts'
export type { Comparison, ObservationDifference } from './compareObservations.ts'
export { scenarioHash } from './scenarioHash.ts'
export { differentialScenario } from './differentialScenario.ts'
export { differentialScenarioWide } from './differentialScenarioWide.ts'
export type { PageObserver } from './pageObserver.ts'
export { failuresRecord, folioSizeName, scenarioWaste, wasteOf, wasteOfTruth } from './waste.ts'
export type { WasteReport } from './waste.ts'
export type { SplitFailure } from './punch.ts'
export { scenarioOptionalTypes } from './pinOp.ts'
export { sweepWaste } from './wasteSweep.ts'
export type { SweepPolicy, SweepRow } from './wasteSweep.ts'
