import { simulateScenario, type ObservationDocument, type ParsedScenario } from '@mmsim/kernel'
import type { AnyStrategy } from '@mmsim/strategies'
import type { QueryName } from './answerSides.ts'
import { bisectEvents, type BisectResult } from './bisectAnswers.ts'
import { buildKernelSidecar } from './kernelSidecar.ts'

/**
 * ScenarioVersus - what scheme @a is compared with when judging a scenario: scheme @b, the ground truth,
 * or the kernel (@observe runs the scenario on it: the live kernel, or a stub in tests).
 */
export type ScenarioVersus = { b: AnyStrategy } | { truth: true } | { observe: (s: ParsedScenario) => Promise<ObservationDocument> | ObservationDocument }

/**
 * scenarioDivergence - run scenario @s on the simulated kernel and bisect its events: the first point
 * where @a and the other side answer differently (among @queries, default all).
 */
export async function scenarioDivergence(s: ParsedScenario, a: AnyStrategy, versus: ScenarioVersus, queries?: readonly QueryName[]): Promise<BisectResult> {
  const r = simulateScenario(s)
  if ('observe' in versus) return bisectEvents(r.events, { a, versus: { kernel: buildKernelSidecar(s, await versus.observe(s)) }, queries })
  return bisectEvents(r.events, { a, versus, queries })
}

/**
 * divergenceInteresting - the interestingness test of `mmsim shrink --a … (--b | --truth | --kernel)`: a
 * candidate is interesting when it runs without violating a precondition and still diverges in @query.
 */
export function divergenceInteresting(a: AnyStrategy, versus: ScenarioVersus, query: QueryName): (s: ParsedScenario) => Promise<boolean> {
  return async (s) => {
    const r = await scenarioDivergence(s, a, versus, [query])
    return r.divergence !== null && r.state.violationCount === 0
  }
}
