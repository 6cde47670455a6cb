import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { MmEvent } from '@mmsim/core'
import { simulateScenario, type ObservationDocument } from '@mmsim/kernel'
import { strategyById, type AnyStrategy } from '@mmsim/strategies'
import { bisectEvents } from './bisectAnswers.ts'
import { brokenPmdSplit, corpusFile, corpusScenario } from './corpusScenario.testkit.ts'
import { buildKernelSidecar } from './kernelSidecar.ts'

const noPageMapcount = strategyById('linux-6.15-no-page-mapcount')!
const linux615 = strategyById('linux-6.15')!
const lineOf = (e: MmEvent): number => Number(e.cause.split(':').pop())
const firstIndex = (events: readonly MmEvent[], p: (e: MmEvent) => boolean): number => events.findIndex(p)

describe('bisect: real divergences in corpus scenarios', () => {
  test('linux-6.15-no-page-mapcount stays "maybe mapped shared" after a third MM (no MM slot) is the only one left mapping a PTE-mapped THP', () => {
    // fork-chain-exit-parent-first with the grandchild splitting its PMD: p0 and p1 hold the two MM slots,
    // p2 maps untracked; when p1 and then p0 exit, the slots are freed without re-evaluating the shared bit
    // (docs/mapcount-schemes.md §4.2), so with 512 PTEs of p2 alone folio_maybe_mapped_shared() is still true.
    const s = corpusScenario('fork-chain-exit-parent-first', (t) => t.replace('p1 fork p2\n', 'p1 fork p2\np2 mprotect A[4K+4K] ro\n'))
    const { events } = simulateScenario(s)
    const p0Exit = s.statements.find((st) => st.op === 'exit' && st.proc === 'p0')!.line
    const want = firstIndex(events, (e) => e.type === 'rmap/removed' && e.pid === 0 && lineOf(e) === p0Exit)
    const r = bisectEvents(events, { a: noPageMapcount, versus: { truth: true }, queries: ['mappedShared'] })
    expect(r.divergence).toMatchObject({ index: want, query: 'mappedShared', a: true, b: false, page: null })
    expect(lineOf(r.divergence!.event)).toBe(p0Exit)
    // the same scenario before p0 exits shows no divergence: two MMs are tracked exactly
    const r2 = bisectEvents(events.slice(0, want), { a: noPageMapcount, versus: { truth: true }, queries: ['mappedShared'] })
    expect(r2.divergence).toBeNull()
  })

  test('linux-6.15-no-page-mapcount vs linux-6.15: kpagecount of a page unmapped by the child\'s COW (average vs precise mapcount)', () => {
    // fork-cow-pmd-thp line 9: p1 (PTE-mapped after the PMD split) COWs page 2. p0's PMD still maps it:
    // precise mapcount 1; NO_PAGE_MAPCOUNT's average = DIV_ROUND_CLOSEST(513 - 1 - 1, 512) + 1 = 2.
    const s = corpusScenario('fork-cow-pmd-thp')
    const { events } = simulateScenario(s)
    const want = firstIndex(events, (e) => e.type === 'rmap/removed' && e.pid === 1 && e.level === 'pte')
    const r = bisectEvents(events, { a: noPageMapcount, versus: { b: linux615 }, queries: ['pageMapcount', 'kpagecount'] })
    const ev = events[want] as Extract<MmEvent, { type: 'rmap/removed' }>
    expect(r.divergence).toMatchObject({ index: want, query: 'kpagecount', page: ev.page, a: 2, b: 1 })
    expect(ev.page - ev.folio).toBe(2)
    expect(lineOf(r.divergence!.event)).toBe(9)
    // the earlier events on the folio are listed, oldest first, and include the PMD split of the child
    expect(r.context.map((c) => c.event.type)).toContain('pmd/remapped')
    expect(r.context.every((c, i) => i === 0 || c.index > r.context[i - 1]!.index)).toBe(true)
  })

  test('a broken plugin is caught by bisect --truth at the PMD split it mishandles', async () => {
    // cow-pte-mapped-thp line 6: mprotect of one page of the PMD-mapped THP splits the PMD. After it, 512 PTEs
    // map the folio (truth 512); the broken scheme keeps the PMD count too: 513.
    const s = corpusScenario('cow-pte-mapped-thp')
    const { events } = simulateScenario(s)
    const want = firstIndex(events, (e) => e.type === 'pmd/remapped')
    const r = bisectEvents(events, { a: await brokenPmdSplit(), versus: { truth: true } })
    expect(r.divergence).toMatchObject({ index: want, query: 'folioMapcount', a: 513, b: 512 })
    expect(lineOf(r.divergence!.event)).toBe(6)
    expect(r.labels).toEqual(['broken-pmd-split', 'truth'])
  })

  test('linux-6.15 agrees with the ground truth on every exact query of fork-cow-pmd-thp', () => {
    const { events } = simulateScenario(corpusScenario('fork-cow-pmd-thp'))
    const r = bisectEvents(events, { a: linux615, versus: { truth: true }, queries: ['folioMapcount', 'pageMapcount', 'kpagecount', 'entireMapcount', 'anonExclusive'] })
    expect(r.divergence).toBeNull()
    expect(r.events).toBe(events.length)
  })

  test('--kernel: linux-6.15 matches the stored kernel observations of fork-cow-pmd-thp; a broken scheme is caught at the first check after its bug', async () => {
    const s = corpusScenario('cow-pte-mapped-thp')
    const doc = JSON.parse(readFileSync(corpusFile('cow-pte-mapped-thp.kernel.json'), 'utf8')) as ObservationDocument
    const kernel = buildKernelSidecar(s, doc)
    const { events } = simulateScenario(s)
    expect(bisectEvents(events, { a: linux615, versus: { kernel }, queries: ['kpagecount'] }).divergence).toBeNull()
    const r = bisectEvents(events, { a: await brokenPmdSplit(), versus: { kernel }, queries: ['kpagecount'] })
    // the first check (line 8) comes after the split on line 6: every page reads 2 instead of the kernel's 1
    expect(r.divergence).toMatchObject({ query: 'kpagecount', a: 2, b: 1 })
    expect(r.divergence!.event).toMatchObject({ type: 'check/marked', line: 8 })
    expect(r.divergence!.where).toMatch(/^p0 A \+0x/)
  })
})

describe('bisect: pages outside the sampled ones', () => {
  test('a wrong page mapcount on page 5 of a PMD-mapped THP is found at the exact event by the final sweep and a focused rescan', () => {
    // a scheme that reads page 5 of every THP one too high once it is mapped: the PMD map of line 6 maps it
    const wrong = Object.create(linux615, {
      id: { value: 'page5-off-by-one' },
      pageMapcount: {
        value: (s: unknown, pfn: number) => {
          const v = linux615.pageMapcount(s, pfn)
          return v !== null && v > 0 && pfn % 512 === 5 ? v + 1 : v
        },
      },
    }) as AnyStrategy
    const { events } = simulateScenario(corpusScenario('fork-cow-pmd-thp'))
    const want = firstIndex(events, (e) => e.type === 'rmap/newAnonAdded' && e.level === 'pmd')
    const r = bisectEvents(events, { a: wrong, versus: { truth: true }, queries: ['pageMapcount'] })
    const head = (events[want] as Extract<MmEvent, { type: 'rmap/newAnonAdded' }>).folio
    expect(r.divergence).toMatchObject({ index: want, query: 'pageMapcount', folio: head, page: head + 5, a: 2, b: 1 })
  })
})
