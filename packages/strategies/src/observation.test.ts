import { fileURLToPath } from 'node:url'
import { applyEvent, emptyState, folioAt, pageMapcount, Txn, type MmEvent, type MmState } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { corpusEvents } from './corpusEvents.testkit.ts'
import { observationDivergence } from './observationDivergence.ts'
import { observeAll, observePage } from './pageObservation.ts'
import { STRATEGIES, strategyById } from './registry.ts'
import type { AnyStrategy } from './strategy.ts'
import { alloc, anonDup, fork, newAnon, perPte, proc, remap, remove, vma } from './testEvents.ts'

/** run - feed @events to the ground truth and @st; @returns both at the end */
function run(st: AnyStrategy, events: readonly MmEvent[]): { state: MmState; s: unknown } {
  const tx = new Txn(emptyState())
  const s = st.init()
  for (const e of events) {
    const b = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal === b) st.apply(s, e, tx)
  }
  return { state: tx.commit(), s }
}

const P = 1
const C = 2
const V = 0x10000
const F = 0x40000
const K = 0x40000 + 300 // the page the child COWs
const NEW = 0x80000 // the child's private copy
/** fork of a PMD-mapped THP; the child COWs page 300 (its PMD is split first); the parent keeps its PMD */
const childCow = (): MmEvent[] => [
  proc(P), vma(P, V, 512), alloc(F, 9), newAnon(P, V, F, 512, 'pmd'), fork(P, C), anonDup(P, C, V, F, F, 512, 'pmd'),
  remap(C, V, F), remove(C, V + 300, F, K, 1, 'pte'), alloc(NEW, 0), newAnon(C, V + 300, NEW, 1, 'pte'),
]

describe('pagemap bit 56 of a PMD entry (docs/mapcount-schemes.md §6, §9 item 3; docs/kernel-behaviour.md verified #2)', () => {
  test('after the child COWs page 300, the parent\'s PMD entry for it: per page in v6.11–v6.14, by the head before and since v6.15', () => {
    const bit = (id: string) => {
      const st = strategyById(id)!
      const { s } = run(st, childCow())
      return observePage(st, s, K, 'pmd')
    }
    // page 300 is mapped once (the parent's PMD), the head twice (PMD + the child's PTE)
    expect(bit('linux-6.12')).toEqual({ mapcount: 1, exclusive: true })
    expect(bit('linux-6.15')).toEqual({ mapcount: 1, exclusive: false })
    expect(bit('linux-6.10')).toEqual({ mapcount: 1, exclusive: false })
    expect(bit('linux-6.1')).toEqual({ mapcount: 1, exclusive: false })
  })
  test('once the parent splits its PMD, page 300 reads exclusive in every scheme with per-page mapcounts', () => {
    for (const id of ['linux-6.1', 'linux-6.2', 'linux-6.8', 'linux-6.10', 'linux-6.12', 'linux-6.15']) {
      const st = strategyById(id)!
      const { s } = run(st, [...childCow(), remap(P, V, F)])
      expect(observePage(st, s, K, 'pte'), id).toEqual({ mapcount: 1, exclusive: true })
    }
  })
  test('CONFIG_NO_PAGE_MAPCOUNT: one folio-wide answer — the average mapcount, "maybe shared" while two MMs map it', () => {
    const st = strategyById('linux-6.15-no-page-mapcount')!
    const { s } = run(st, childCow())
    // large mapcount 1 (parent PMD) + 511 (child PTEs) = 512, entire 1: avg = round(511 / 512) = 1, + 1 = 2
    expect(observePage(st, s, K, 'pmd')).toEqual({ mapcount: 2, exclusive: false })
    const after = run(st, [...childCow(), remap(P, V, F)])
    // 1023 PTE mappings over 512 pages: round(1023 / 512) = 2 for every page, mapped once or twice
    expect(observePage(st, after.s, K, 'pte')).toEqual({ mapcount: 2, exclusive: false })
  })
  test('CONFIG_NO_PAGE_MAPCOUNT: when the child drops its mappings the folio is exclusive again (MM slots)', () => {
    const st = strategyById('linux-6.15-no-page-mapcount')!
    const { s } = run(st, [...childCow(), remove(C, V, F, F, 300, 'pte'), remove(C, V + 301, F, F + 301, 211, 'pte')])
    expect(observePage(st, s, K, 'pmd')).toEqual({ mapcount: 1, exclusive: true })
  })
})

describe('observe --strategy linux-6.15 on the corpus', () => {
  test('kpagecount and bit 56 equal the simulated 6.18 kernel\'s observation at every check of every corpus scenario', async (ctx) => {
    const c = await corpusEvents(fileURLToPath(new URL('../../../traces/scenarios/', import.meta.url)))
    if (c.reason !== null) return ctx.skip()
    const st = strategyById('linux-6.15')!
    let pages = 0
    for (const stream of c.streams) {
      let tx = new Txn(emptyState())
      const s = st.init()
      for (const e of stream.events) {
        const b = tx.violationTotal
        applyEvent(tx, e)
        if (tx.violationTotal === b) st.apply(s, e, tx)
        if (e.type !== 'check/marked') continue
        const state = tx.commit()
        tx = new Txn(state)
        for (const o of observeAll(st, s, state)) {
          const want = modelView(state, o.pfn, o.level)
          pages++
          if (o.mapcount !== want.mapcount || o.exclusive !== want.exclusive) {
            throw new Error(`${stream.name} line ${e.line}: p${o.pid} vpn 0x${o.vpn.toString(16)}: linux-6.15 says ${JSON.stringify({ mapcount: o.mapcount, exclusive: o.exclusive })}, the 6.18 model ${JSON.stringify(want)}`)
          }
        }
      }
    }
    expect(pages).toBeGreaterThan(1000)
  })
})

describe('what the other schemes would show on the corpus (against linux-6.15 = the 6.18 it was recorded on)', () => {
  test('v6.1–v6.10 show the same kpagecount and bit 56; v6.12 differs in bit 56 only; NO_PAGE_MAPCOUNT in both', async (ctx) => {
    const c = await corpusEvents(fileURLToPath(new URL('../../../traces/scenarios/', import.meta.url)))
    if (c.reason !== null) return ctx.skip()
    const d = new Map(observationDivergence(c.streams, STRATEGIES, strategyById('linux-6.15')!).map((x) => [x.id, x]))
    for (const id of ['linux-6.1', 'linux-6.2', 'linux-6.8', 'linux-6.10']) expect(d.get(id), id).toMatchObject({ kpagecount: 0, exclusive: 0 })
    // v6.11–v6.14 decide bit 56 of a PMD entry per page: a COWed page under a parent's PMD reads exclusive
    expect(d.get('linux-6.12')!.kpagecount).toBe(0)
    expect(d.get('linux-6.12')!.exclusive).toBeGreaterThan(0)
    expect(d.get('linux-6.12')!.streams).toContain('fork-cow-pmd-thp.scenario')
    // averages and the folio-wide "maybe shared"
    expect(d.get('linux-6.15-no-page-mapcount')!.kpagecount).toBeGreaterThan(0)
    expect(d.get('linux-6.15-no-page-mapcount')!.exclusive).toBeGreaterThan(0)
  })
})

/** modelView - the simulated kernel's shortcut (packages/kernel/src/sim/modelObservation.ts), from the ground truth */
function modelView(state: MmState, pfn: number, level: string): { mapcount: number; exclusive: boolean } {
  const f = folioAt(state, pfn)!
  if (f.kind === 'zero' || f.kind === 'hugezero') return { mapcount: 0, exclusive: false }
  if (f.kind === 'hugetlb') return { mapcount: f.entire, exclusive: f.entire <= 1 }
  const mapcount = pageMapcount(state, pfn)
  return { mapcount, exclusive: (level === 'pte' ? mapcount : pageMapcount(state, f.pfn)) === 1 }
}

test('every scheme answers for every present page of a PTE-mapped THP', () => {
  for (const st of STRATEGIES) {
    const { state, s } = run(st, [proc(P), vma(P, V, 512), alloc(F, 9), newAnon(P, V, F, 512, 'pmd'), remap(P, V, F), ...perPte(3, (i) => remove(P, V + i, F, F + i, 1, 'pte'))])
    expect(observeAll(st, s, state).length, st.id).toBe(509)
  }
})
