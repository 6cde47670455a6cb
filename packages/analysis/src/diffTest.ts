import {
  compareObservations, differentialScenario, differentialScenarioWide, FatalScenarioError, LiveKernelError, scenarioHash, simulateScenario,
  type ObservationDifference, type ObservationDocument, type ParsedScenario,
} from '@mmsim/kernel'
import { shrinkScenario } from './shrinkScenario.ts'

/**
 * DiffTestCase - the outcome of one differential-test seed.
 * @verdict: `agree`; `differ` (model and kernel observations differ); `skip` (the simulator refuses the
 *   scenario as "not modelled", or a fork was refused); `error` (the live run failed)
 * @differences: the first 20 differences of the generated scenario (verdict `differ`)
 * @shrunk: the shrunk scenario's text, its statement count and the live runs the shrinking took (`differ`,
 *   when shrinking was asked for and found the divergence again)
 */
export interface DiffTestCase {
  seed: number
  name: string
  hash: string
  verdict: 'agree' | 'differ' | 'skip' | 'error'
  reason: string | null
  scenario: string
  differences: ObservationDifference[]
  shrunk: { scenario: string; statements: number; tests: number } | null
}

/**
 * DiffTestOptions - @observe runs a scenario on the kernel (the live one: observeLive, or a stub in
 * tests); @simulate the model (default simulateScenario()); @shrink: shrink each disagreement, with at most @shrinkBudget kernel runs (default 80).
 */
export interface DiffTestOptions {
  observe: (s: ParsedScenario) => Promise<ObservationDocument>
  /** the model's observation of a scenario (default: simulateScenario(); a stub in tests) */
  simulate?: (s: ParsedScenario) => ObservationDocument
  shrink?: boolean
  shrinkBudget?: number
  note?: (msg: string) => void
  /** the generator: `base` differentialScenario() (default), `wide` differentialScenarioWide(), `long` its long form */
  mix?: DiffTestMix
}

/** DiffTestMix - which scenario generator a seed names (`mmsim difftest --mix`). */
export type DiffTestMix = 'base' | 'wide' | 'long'

/** NOT_MODELLED - how the simulator refuses what it does not model (scenario contract rule 10). */
const NOT_MODELLED = /not modelled/

type ModelAnswer = { doc: ObservationDocument } | { skip: string }

function model(s: ParsedScenario, simulate: DiffTestOptions['simulate']): ModelAnswer {
  try {
    return { doc: simulate ? simulate(s) : simulateScenario(s).observation }
  } catch (e) {
    if (e instanceof FatalScenarioError || (e instanceof Error && NOT_MODELLED.test(e.message))) return { skip: (e as Error).message }
    throw e
  }
}

/**
 * diffTestSeed - generate differentialScenario(@seed) (differentialScenarioWide() with @o.mix `wide`), run it on the model and on the kernel
 * (@o.observe), compare the observations as `mmsim verify` does (compareObservations()), and, when they
 * differ and @o.shrink is set, shrink the scenario (shrinkScenario(), the machinery of `mmsim shrink
 * --kernel`) while model and kernel still differ in the field of the first difference.
 */
export async function diffTestSeed(seed: number, o: DiffTestOptions): Promise<DiffTestCase> {
  const { text, parsed } = o.mix === 'wide' || o.mix === 'long' ? differentialScenarioWide(seed, o.mix === 'long') : differentialScenario(seed)
  const base: DiffTestCase = { seed, name: parsed.name, hash: scenarioHash(parsed.statements), verdict: 'agree', reason: null, scenario: text, differences: [], shrunk: null }
  const m = model(parsed, o.simulate)
  if ('skip' in m) return { ...base, verdict: 'skip', reason: m.skip }
  let kernel: ObservationDocument
  try {
    kernel = await o.observe(parsed)
  } catch (e) {
    // NoValidObservation (blank struct pages in every attempt) is a LiveKernelError too: no verdict, the scan goes on
    if (e instanceof LiveKernelError) return { ...base, verdict: 'error', reason: e.message }
    throw e
  }
  const c = compareObservations(m.doc, kernel)
  if (c.agree) return base
  const first = c.differences[0]!
  const out: DiffTestCase = { ...base, verdict: 'differ', reason: `${first.field} at line ${first.line}`, differences: c.differences.slice(0, 20) }
  if (!o.shrink) return out
  const budget = o.shrinkBudget ?? 80
  let runs = 0
  const interesting = async (cand: ParsedScenario): Promise<boolean> => {
    if (runs >= budget) return false
    const mc = model(cand, o.simulate)
    if ('skip' in mc) return false
    runs++
    const k = await o.observe(cand)
    return compareObservations(mc.doc, k).differences.some((d) => d.field === first.field)
  }
  try {
    const r = await shrinkScenario(parsed, interesting)
    // the shrinker keeps the original line numbers (blank lines): the report drops them
    out.shrunk = { scenario: r.text.replace(/\n{2,}/g, '\n'), statements: r.scenario.statements.filter((s) => s.op !== 'scenario').length, tests: runs }
  } catch (e) {
    // the kernel did not show the difference again (a flaky run): report the unshrunk scenario
    o.note?.(`seed ${seed}: not shrunk: ${(e as Error).message}`)
  }
  return out
}
