// Differential test of the simulated kernel against the live kernel on random valid scenarios.
// Opt-in (each scenario takes seconds on the live kernel): MMSIM_LIVE_FUZZ=N runs N scenarios,
// MMSIM_LIVE_FUZZ_SEED picks the sample. Skips, saying why, without a live kernel.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireKernelTestLock, releaseKernelTestLock } from '../live/kernelTestLock.ts'
import { liveKernelTestsProblem } from '../live/liveEnvironment.ts'
import { HugetlbPoolUnusable } from '../live/liveKernelError.ts'
import { observeLive } from '../live/observeLive.ts'
import { parseScenario } from '../scenario/parseScenario.ts'
import { printScenario } from '../scenario/printScenario.ts'
import { compareObservations } from './compareObservations.ts'
import { randomScenario } from './randomScenario.ts'
import { FatalScenarioError, simulateScenario } from './simulateScenario.ts'
import { NotModelled } from './simContext.ts'

const n = Number(process.env.MMSIM_LIVE_FUZZ ?? 0)
const seed = Number(process.env.MMSIM_LIVE_FUZZ_SEED ?? 42)
const problem = n > 0 ? liveKernelTestsProblem() : 'MMSIM_LIVE_FUZZ is not set'
const choices = fc.tuple(
  fc.array(fc.tuple(fc.nat(20), fc.nat(40)), { maxLength: 3 }),
  fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40), fc.nat(40)), { minLength: 4, maxLength: 14 }),
)
const texts = n > 0 ? fc.sample(choices, { seed, numRuns: n }).map(([h, b], i) => `scenario fuzz-${seed}-${i}\n${printScenario(randomScenario(h, b))}`) : []

describe.skipIf(problem !== null)(`model vs live kernel on random scenarios${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  it.for(texts.map((t, i) => [i, t] as const))('random scenario %i', { timeout: 600_000 }, async ([, text], ctx) => {
    const s = parseScenario(text, 'fuzz.scenario')
    let model
    try {
      model = simulateScenario(s).observation
    } catch (e) {
      if (e instanceof FatalScenarioError) return
      // the simulator refuses what it does not model (scenario contract v1.1 item 10): a skip with the reason
      if (e instanceof NotModelled) return ctx.skip(e.message)
      throw e
    }
    let kernel
    try {
      kernel = await observeLive(s)
    } catch (e) {
      if (e instanceof HugetlbPoolUnusable) return ctx.skip(e.message) // this machine, not the scenario
      throw e
    }
    const d = compareObservations(model, kernel).differences.slice(0, 10)
    expect(d, text).toEqual([])
  })
})
