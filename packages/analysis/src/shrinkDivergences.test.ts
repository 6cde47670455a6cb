import { describe, expect, test } from 'vitest'
import type { ParsedScenario, Statement } from '@mmsim/kernel'
import { strategyById } from '@mmsim/strategies'
import { corpusScenario } from './corpusScenario.testkit.ts'
import { divergenceInteresting, scenarioDivergence } from './divergenceInteresting.ts'
import { shrinkScenario } from './shrinkScenario.ts'

// The two real divergences of issue 6 item 5 (found by bisect in bisectAnswers.test.ts), shrunk.
const noPageMapcount = strategyById('linux-6.15-no-page-mapcount')!
const linux615 = strategyById('linux-6.15')!
const body = (s: ParsedScenario): Statement[] => s.statements.filter((st) => st.op !== 'scenario' && st.op !== 'check')

describe('shrink the real divergences', () => {
  test('no-page-mapcount vs linux-6.15 on kpagecount: fork-cow-pmd-thp shrinks to a THP, a fork and a partial unmap in the child', async () => {
    const s = corpusScenario('fork-cow-pmd-thp')
    const interesting = divergenceInteresting(noPageMapcount, { b: linux615 }, 'kpagecount')
    const r = await shrinkScenario(s, interesting)
    // worked by hand: the average differs from the precise count once the folio is mapped unevenly. The
    // smallest way: p0's PMD THP (one page written is enough to fault it in), fork, and the child's 4K
    // DONTNEED (PMD split + one PTE gone): large_mapcount 1 + 511, average ((511 + 256) >> 9) + 1 = 2 on every
    // page, while the DONTNEEDed page is mapped by p0's PMD alone (precise 1). The COW and the exit go.
    expect(body(r.scenario).map((st) => st.op)).toEqual(['mmap', 'madvise', 'write', 'fork', 'madvise'])
    const d = await scenarioDivergence(r.scenario, noPageMapcount, { b: linux615 }, ['kpagecount'])
    expect(d.divergence?.query).toBe('kpagecount')
  })

  test('no-page-mapcount "maybe mapped shared" vs the truth: a third MM without an MM slot, shrunk', async () => {
    const s = corpusScenario('fork-chain-exit-parent-first', (t) => t.replace('p1 fork p2\n', 'p1 fork p2\np2 mprotect A[4K+4K] ro\n'))
    const interesting = divergenceInteresting(noPageMapcount, { truth: true }, 'mappedShared')
    const r = await shrinkScenario(s, interesting)
    // worked by hand: three MMs (two forks) so that one maps the folio without an MM slot, its PMD split to
    // PTEs (mprotect of 4K), and both slot holders exiting (slots freed without re-evaluating the shared bit)
    expect(body(r.scenario).map((st) => st.op)).toEqual(['mmap', 'madvise', 'write', 'fork', 'fork', 'mprotect', 'exit', 'exit'])
    const d = await scenarioDivergence(r.scenario, noPageMapcount, { truth: true }, ['mappedShared'])
    expect(d.divergence).toMatchObject({ query: 'mappedShared', a: true, b: false })
  })
})
