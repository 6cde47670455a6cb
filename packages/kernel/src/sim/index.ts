/**
 * Simulated Linux 6.18 kernel (issue 4): scenario statements -> the MM events the kernel performs.
 *
 * API summary:
 * - simulateScenario(parsed): SimResult {events, observation, state} — throws FatalScenarioError on a
 *   refused fork; refusals are in observation.refused.
 * - compareObservations(model, kernel, ignore?): Comparison {agree, checks, pages, differences}.
 * - scenarioHash(statements): hash of the normalised scenario (printScenario text).
 * - MODEL_DETAIL: the `detail` of model observation documents.
 */
export { simulateScenario, FatalScenarioError, MODEL_DETAIL } from './simulateScenario.ts'
export type { SimResult } from './simulateScenario.ts'
export { compareObservations } from './compareObservations.ts'
export type { Comparison, ObservationDifference } from './compareObservations.ts'
export { scenarioHash } from './scenarioHash.ts'
export type { PageObserver } from './pageObserver.ts'
