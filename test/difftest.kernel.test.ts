// The differential tester's fixed seeds (CI): each seed's generated scenario (differentialScenario, and
// differentialScenarioWide for the wide mix) must
// give the same observation on the simulated kernel as on the live one, or be refused by the simulator as
// "not modelled" (a skip). Skips, saying why, without a live kernel. By hand: `mmsim difftest --seeds N`.
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { liveKernelTestsProblem, observeLive } from '@mmsim/kernel'
import { diffTestSeed, type DiffTestCase } from '../packages/analysis/src/diffTest.ts'
import { acquireKernelTestLock, releaseKernelTestLock } from '../packages/kernel/src/live/kernelTestLock.ts'
import { ROOT } from './cliRun.ts'

/**
 * Seeds 1..50. 5 and 40 (class 1 of issue 12: ext4 gives a `file` mapping under MADV_HUGEPAGE large folios)
 * were left out until the model predicted them (readahead.ts; 40 also needs a written large ext4 folio's
 * failing split, pageCache.ts hasBufferHeads()); they agree since 3 Dec 2026. Every seed agreed with this
 * machine's kernel (6.18.44) on 3 Dec 2026.
 */
const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1)
/**
 * `--mix wide` seeds: 1..24 agreed with this machine's kernel on 4 Dec 2026 (of 1..1500: 1297 agree, 14
 * skips, 189 without a valid observation — struct pages above ~7.9 GiB read blank — and none differing), and
 * the seeds whose disagreements were fixed that day: 60 (a 2M pin, more than one pipe), 172 (smaps of a
 * shared shmem page written through a clean writable PTE), 498 (a pin of 1496K in a forked child).
 */
const WIDE_SEEDS = [...Array.from({ length: 24 }, (_, i) => i + 1), 60, 172, 498]

const inconclusive: number[] = []
const problem = liveKernelTestsProblem()
if (problem) console.log(`difftest.kernel.test: skipped: ${problem}`)

describe.skipIf(problem !== null)(`differential test: model vs live kernel on fixed seeds${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  it.for([...SEEDS.map((seed) => ['base', seed] as const), ...WIDE_SEEDS.map((seed) => ['wide', seed] as const)])('mix %s seed %i', async ([mix, seed], ctx) => {
    const run = (): Promise<DiffTestCase> => diffTestSeed(seed, { mix, observe: (s) => observeLive(s, { note: (m) => console.log(`${s.name}: ${m}`) }) })
    let c = await run()
    if (c.verdict === 'error') c = await run() // the live runner gave up (blank struct pages, khugepaged): once more
    // HugeTLB pages reserved before the run (hugetlbPoolCheck.ts): this machine cannot run it as written
    if (c.verdict === 'error' && /^.*: HugeTLB pages are reserved before/.test(c.reason ?? '')) return ctx.skip(c.reason!)
    // no valid observation twice (blank struct pages, docs/observation-format.md §3): no verdict, not a disagreement
    if (c.verdict === 'error' && /no valid observation/.test(c.reason ?? '')) {
      inconclusive.push(seed)
      console.log(`${c.name}: inconclusive: ${c.reason}`)
      return
    }
    const lines = c.differences.slice(0, 10).map((d) => `line ${d.line} ${d.proc} ${d.mapping} +${d.off} ${d.field}: model ${d.model} kernel ${d.kernel}`)
    expect(c.verdict === 'agree' || c.verdict === 'skip', `${c.verdict} ${c.reason ?? ''}\n${c.scenario}${lines.join('\n')}`).toBe(true)
  })

  it('at most a fifth of the seeds went without a valid live observation', () => {
    expect(inconclusive.length, `inconclusive seeds: ${inconclusive.join(' ')}`).toBeLessThanOrEqual((SEEDS.length + WIDE_SEEDS.length) / 5)
  })

  it('mmsim difftest --seed 3 (text and --json) runs on the live kernel under the lock this file holds', () => {
    // MMSIM_KERNEL_LOCK_HELD: the command's acquireKernelTestLock() returns at once, as under tools/withKernelLock.ts
    const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/mmsim.mjs', 'difftest', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MMSIM_KERNEL_LOCK_HELD: '1' } })
    const t = cli('--seed', '3')
    expect(t.status, t.stderr).toBe(0)
    expect(t.stdout).toMatch(/^seed 3 difftest-3 Agree Hash=[0-9a-f]{8}\n1 seeds: 1 agree, 0 differ, 0 skipped \(not modelled\), 0 errors\n$/)
    const j = cli('--seed', '3', '--json')
    expect(j.status, j.stderr).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({ format: 'mmsim-difftest/1', seeds: [3], agree: true, cases: [{ seed: 3, verdict: 'agree' }] })
  })
})
