// The HVO report's 6.18 per-page figures measured on the live kernel: every corpus scenario with
// `check vmemmap` runs through the live runner (under the kernel test lock; knobs restored by the runner's
// journal), and the drop of nr_memmap_pages + nr_memmap_boot_pages at the check must be the pool's huge pages
// times the report's freedPerHugePage with HVO on (2M: 7, 1G: 4095), nothing with it off.
// Skips, saying why, without a live kernel (MMSIM_LIVE_KERNEL=1 and root).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { liveKernelTestsProblem, parseScenario } from '@mmsim/kernel'
import { acquireKernelTestLock, releaseKernelTestLock } from '../../kernel/src/live/kernelTestLock.ts'
import { hvoReport } from './hvoReport.ts'
import { InconclusiveRuns } from '../../kernel/src/live/inconclusiveRuns.testkit.ts'

const dir = join(import.meta.dirname, '../../../traces/scenarios')
const names = readdirSync(dir).filter((f) => f.endsWith('.scenario') && /check vmemmap/.test(readFileSync(join(dir, f), 'utf8'))).sort()
const problem = liveKernelTestsProblem()

describe.skipIf(problem !== null)(`mmsim hvo (6.18) vs nr_memmap_pages on the live kernel${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  const inconclusive = new InconclusiveRuns()
  it.for(names)('%s', { timeout: 600_000 }, async (f, ctx) => {
    const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f)
    let expected = 0
    for (const [bytes, n] of s.knobs.hugetlb) {
      if (s.knobs.hvo && n > 0) expected -= n * hvoReport('6.18', bytes === 2 ** 21 ? '2M' : '1G', 1).freedPerHugePage
    }
    const live = await inconclusive.observe(f, s)
    if (!live) return ctx.skip(inconclusive.reason)
    const deltas = live.checks.map((c) => c.vmemmapPagesDelta).filter((d) => d !== undefined)
    expect(deltas.length).toBeGreaterThan(0)
    for (const d of deltas) expect(d).toBe(expected)
  })
  it('at most one run went without a valid live observation', () => {
    expect(inconclusive.names.length, `inconclusive: ${inconclusive.names.join(' ')}`).toBeLessThanOrEqual(1)
  })
})
