// `check smaps` on the live kernel: every corpus scenario traces/scenarios/smaps-*.scenario (anon private,
// fork-shared anon, a PMD-mapped anon THP, shmem, PMD-mapped shmem, a shared file) runs through the live
// runner and its /proc/PID/smaps figures must be the model's prediction (compareObservations: pages and smaps).
// Skips, saying why, without a live kernel (MMSIM_LIVE_KERNEL=1 and root).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireKernelTestLock, releaseKernelTestLock } from '../live/kernelTestLock.ts'
import { liveKernelTestsProblem } from '../live/liveEnvironment.ts'
import { observeLive } from '../live/observeLive.ts'
import { parseScenario } from '../scenario/parseScenario.ts'
import { compareObservations } from './compareObservations.ts'
import { simulateScenario } from './simulateScenario.ts'

const dir = join(import.meta.dirname, '../../../../traces/scenarios')
const names = readdirSync(dir).filter((f) => /^smaps-.*\.scenario$/.test(f)).sort()
const problem = liveKernelTestsProblem()

describe.skipIf(problem !== null)(`check smaps: model vs live kernel${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  it('the corpus has the smaps scenarios', () => expect(names.length).toBeGreaterThanOrEqual(6))
  it.each(names)('%s', async (f) => {
    const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f)
    const live = await observeLive(s)
    expect(live.checks.every((c) => c.smaps !== undefined)).toBe(true)
    expect(compareObservations(simulateScenario(s).observation, live).differences).toEqual([])
  }, 600_000)
})
