// `check smaps` on the live kernel: every corpus scenario traces/scenarios/smaps-*.scenario (anon private,
// fork-shared anon, a PMD-mapped anon THP, shmem, PMD-mapped shmem, a shared file) runs through the live
// runner and its /proc/PID/smaps figures must be the model's prediction (compareObservations: pages and smaps).
// Skips, saying why, without a live kernel (MMSIM_LIVE_KERNEL=1 and root).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireKernelTestLock, releaseKernelTestLock } from '../live/kernelTestLock.ts'
import { liveKernelTestsProblem } from '../live/liveEnvironment.ts'
import { parseScenario } from '../scenario/parseScenario.ts'
import { compareObservations } from './compareObservations.ts'
import { simulateScenario } from './simulateScenario.ts'
import { InconclusiveRuns } from '../live/inconclusiveRuns.testkit.ts'

const dir = join(import.meta.dirname, '../../../../traces/scenarios')
const names = readdirSync(dir).filter((f) => /^smaps-.*\.scenario$/.test(f)).sort()
const problem = liveKernelTestsProblem()

describe.skipIf(problem !== null)(`check smaps: model vs live kernel${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  it('the corpus has the smaps scenarios', () => expect(names.length).toBeGreaterThanOrEqual(6))
  const inconclusive = new InconclusiveRuns()
  it.for(names)('%s', { timeout: 600_000 }, async (f, ctx) => {
    const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f)
    const live = await inconclusive.observe(f, s)
    if (!live) return ctx.skip(inconclusive.reason)
    expect(live.checks.every((c) => c.smaps !== undefined)).toBe(true)
    expect(compareObservations(simulateScenario(s).observation, live).differences).toEqual([])
  })
  it('at most one run went without a valid live observation', () => {
    expect(inconclusive.names.length, `inconclusive: ${inconclusive.names.join(' ')}`).toBeLessThanOrEqual(1)
  })
})
