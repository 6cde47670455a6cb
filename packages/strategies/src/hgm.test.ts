import { checkStream, type ContractStrategy } from '@mmsim/testing'
import { applyEvent, emptyState, Txn, type MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { costOf } from './costOf.ts'
import { hgmStream } from './hgmStreams.testkit.ts'
import { PROPOSALS, STRATEGIES, strategyById } from './registry.ts'
import type { AnyStrategy } from './strategy.ts'
import { alloc, hgmAdd, hgmEnable, hgmRemove, hugeAdd, hvo, proc, vma } from './testEvents.ts'

const A = 1
const B = 2
const F = 0x40000 // a 2 MiB HugeTLB folio, N = 512
const VA = 0x10000
const VB = 0x20000
/** A and B share the folio through shared HugeTLB VMAs with HGM enabled (MADV_SPLIT); HVO on */
const setup = (hvoOn = true): MmEvent[] => [
  proc(A), proc(B), vma(A, VA, 512, 'hugetlb'), vma(B, VB, 512, 'hugetlb'), hgmEnable(A, VA, 512), hgmEnable(B, VB, 512),
  alloc(F, 9, 'hugetlb'), ...(hvoOn ? [hvo(F, true)] : []),
]
/** 4 KiB HGM entries: A maps pages 0, 1 and 100, B maps pages 100 and 101 (UFFDIO_CONTINUE) */
const continues = (): MmEvent[] => [
  hgmAdd(A, VA, F, F), hgmAdd(A, VA + 1, F, F + 1), hgmAdd(A, VA + 100, F, F + 100), hgmAdd(B, VB + 100, F, F + 100), hgmAdd(B, VB + 101, F, F + 101),
]
/** MADV_COLLAPSE in both: the HGM entries go, one PMD each maps the folio */
const collapse = (): MmEvent[] => [
  hgmRemove(A, VA, F, F), hgmRemove(A, VA + 1, F, F + 1), hgmRemove(A, VA + 100, F, F + 100), hugeAdd(A, VA, F, 'file'),
  hgmRemove(B, VB + 100, F, F + 100), hgmRemove(B, VB + 101, F, F + 101), hugeAdd(B, VB, F, 'file'),
]

function run(st: AnyStrategy, events: readonly MmEvent[]): unknown {
  const tx = new Txn(emptyState())
  const s = st.init()
  for (const e of events) {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal !== before) throw new Error(`invalid test stream at ${e.type}: ${tx.commit().violations.at(-1)?.message}`)
    if (st.handles.has(e.type)) st.apply(s, e, tx)
  }
  return s
}

/** what scheme @id answers for folio F: [folio_mapcount, entire, page_mapcount of pages 0, 2, 100, kpagecount of page 2, pages mapped, shared] */
function answers(id: string, events: readonly MmEvent[]): unknown[] {
  const st = strategyById(id)!
  const s = run(st, events)
  return [st.folioMapcount(s, F), st.entireMapcount(s, F), st.pageMapcount(s, F), st.pageMapcount(s, F + 2), st.pageMapcount(s, F + 100),
    st.kpagecount(s, F + 2), st.nrPagesMapped(s, F), st.mappedShared(s, F)]
}

describe('HGM: a 2 MiB HugeTLB folio shared by A (pages 0, 1, 100) and B (pages 100, 101) through 4 KiB entries', () => {
  // the ground truth: 5 entries, none huge; pages 0, 1, 101 mapped once, page 100 twice, page 2 not; 4 pages mapped; two processes
  test('hgm-v1 and hgm-v2-thp-like count each entry in its subpage: every answer is the truth', () => {
    for (const id of ['hgm-v1', 'hgm-v2-thp-like']) expect(answers(id, [...setup(), ...continues()]), id).toEqual([5, 0, 1, 0, 2, 0, 4, true])
  })
  test('hgm-hstate-once counts each process\'s hstate-level range once: 2 mappings, every page reads 2', () => {
    // A's 3 entries lie in one 2 MiB range (1), B's 2 in another (1): _entire_mapcount = _large_mapcount = 2 − 1
    expect(answers('hgm-hstate-once', [...setup(), ...continues()])).toEqual([2, 2, 2, 2, 2, 2, 512, true])
  })
  test('total-mapped-pages: 5 entries, total 5 pages; kpagecount the average DIV_ROUND_CLOSEST(5, 512) = 0, shown as 1 while mapped', () => {
    expect(answers('total-mapped-pages', [...setup(), ...continues()])).toEqual([5, 0, null, null, null, 1, null, true])
  })
  test('willy-vma-pt counts (VMA, page table) tuples: A\'s 3 entries share one PTE table, B\'s 2 another: 2', () => {
    expect(answers('willy-vma-pt', [...setup(), ...continues()])).toEqual([2, 0, null, null, null, 2, null, true])
  })
  test('linux-6.15 has no HGM rule: each entry counted as a whole-folio hugetlb_add_file_rmap() (5 "entire" mappings), with a notice', () => {
    // _entire_mapcount + 1 = 5; page_mapcount = (_mapcount + 1 = 0) + 5 for every page, mapped or not; all 512 pages "mapped"
    expect(answers('linux-6.15', [...setup(), ...continues()])).toEqual([5, 5, 5, 5, 5, 5, 512, true])
    const st = strategyById('linux-6.15')!
    const notes = st.notices!(run(st, [...setup(), ...continues(), hgmRemove(A, VA, F, F)]))
    expect(notes).toHaveLength(2)
    expect(notes[0]).toMatch(/^hugetlb\/hgmRmapAdded: linux-6\.15 has no rule for HGM .*first: p1 vpn 0x10000, folio 0x40000 page 0x40000\); 5 events$/)
    expect(notes[1]).toMatch(/^hugetlb\/hgmRmapRemoved: .*; 1 event$/)
  })
  test('after MADV_COLLAPSE in both processes every scheme answers the truth again: 2 PMDs, every page mapped twice', () => {
    for (const st of [...STRATEGIES, ...PROPOSALS]) {
      // no per-page mapcounts: linux-6.15-no-page-mapcount (and total-mapped-pages, whose entire mapcount is gone and whose
      // kpagecount is the average 1024 / 512 = 2) answer null for page_mapcount
      // willy-vma-pt: one PMD table each, 2 tuples
      const want = st.id === 'total-mapped-pages' || st.id === 'willy-vma-pt' ? [2, 0, null, null, null, 2, null, true]
        : st.id === 'linux-6.15-no-page-mapcount' ? [2, 2, null, null, null, 2, 512, true] : [2, 2, 2, 2, 2, 2, 512, true]
      expect(answers(st.id, [...setup(), ...continues(), ...collapse()]), st.id).toEqual(want)
    }
  })
})

describe('HVO conflicts of HGM entries (6.18: of the 8 vmemmap pages of a 2 MiB folio only page 0, struct pages 0–63, stays writable)', () => {
  const one = (page: number): MmEvent[] => [hgmAdd(A, VA + page, F, F + page)]
  test('hgm-v2-thp-like: a 4 KiB entry of subpage 100 writes struct page 100 = vmemmap page ⌊100·64 / 4096⌋ = 1, read-only: one conflict', () => {
    const c = costOf(strategyById('hgm-v2-thp-like')!, setup(), one(100))
    // _mapcount of page 100 (read-only) and _large_mapcount in page[1] (writable): 2 RMWs, 2 struct pages, 1 of them freed by HVO
    expect(c).toMatchObject({ atomics: 2, cacheLines: 2, hvoConflicts: 1, hvoWrites: 1 })
  })
  test('hgm-v2-thp-like: subpage 10 sits in vmemmap page ⌊10·64 / 4096⌋ = 0, writable: no conflict; nor without HVO', () => {
    expect(costOf(strategyById('hgm-v2-thp-like')!, setup(), one(10))).toMatchObject({ hvoConflicts: 0, hvoWrites: 0 })
    expect(costOf(strategyById('hgm-v2-thp-like')!, setup(false), one(100))).toMatchObject({ hvoConflicts: 0, hvoWrites: 0 })
  })
  test('hgm-hstate-once, total-mapped-pages and willy-vma-pt write page[1] only: never a conflict, over the whole walkthrough', () => {
    for (const id of ['hgm-hstate-once', 'total-mapped-pages', 'willy-vma-pt']) {
      expect(costOf(strategyById(id)!, setup(), [...continues(), ...collapse()]), id).toMatchObject({ hvoConflicts: 0, hvoWrites: 0 })
    }
  })
  test('hgm-hstate-once: only the first entry of a range writes (2 RMWs on page[1]); the other 3 write nothing', () => {
    // A's first: _entire_mapcount, _large_mapcount; A's 2nd, 3rd: nothing; B's first: 2; B's 2nd: nothing
    expect(costOf(strategyById('hgm-hstate-once')!, setup(), continues())).toMatchObject({ atomics: 4, cacheLines: 2 })
  })
  test('hgm-v1: even a huge-size entry writes all 512 subpages: 512 − 64 = 448 read-only struct pages', () => {
    expect(costOf(strategyById('hgm-v1')!, setup(), [hugeAdd(A, VA, F, 'file')])).toMatchObject({ cacheLines: 512, hvoConflicts: 448, hvoWrites: 1 })
  })
  test('the walkthrough under hgm-v2-thp-like: 3 events write freed vmemmap (A\'s and B\'s page 100, B\'s 101), again 3 when they are removed', () => {
    const c = costOf(strategyById('hgm-v2-thp-like')!, setup(), [...continues(), ...collapse()])
    expect(c).toMatchObject({ hvoConflicts: 6, hvoWrites: 6 })
  })
})

describe('HGM PMDs: 2 MiB entries inside a 1 GiB HugeTLB folio (hugetlb_add_file_rmap() with PMD_SHIFT)', () => {
  const G = 0xc0000 // a 1 GiB HugeTLB folio, N = 262144
  const VA1 = 0x40000 // 1 GiB-aligned vpns
  const VB1 = 0x80000
  const setup1G = (): MmEvent[] => [
    proc(A), proc(B), vma(A, VA1, 262144, 'hugetlb'), vma(B, VB1, 262144, 'hugetlb'), hgmEnable(A, VA1, 262144), hgmEnable(B, VB1, 262144),
    alloc(G, 18, 'hugetlb'), hvo(G, true),
  ]
  /** A: PMDs over pieces 1 and 2 (pages 512–1535) and a 4 KiB PTE of page 3; B: a PMD over piece 1 */
  const entries = (): MmEvent[] => [
    hgmAdd(A, VA1 + 512, G, G + 512, 'pmd'), hgmAdd(A, VA1 + 1024, G, G + 1024, 'pmd'), hgmAdd(A, VA1 + 3, G, G + 3), hgmAdd(B, VB1 + 512, G, G + 512, 'pmd'),
  ]
  /** [folio_mapcount, entire, page_mapcount of pages 0, 3, 512, 1024, kpagecount of page 512, pages mapped, shared] */
  const answers1G = (id: string, events: readonly MmEvent[]): unknown[] => {
    const st = strategyById(id)!
    const s = run(st, events)
    return [st.folioMapcount(s, G), st.entireMapcount(s, G), st.pageMapcount(s, G), st.pageMapcount(s, G + 3), st.pageMapcount(s, G + 512),
      st.pageMapcount(s, G + 1024), st.kpagecount(s, G + 512), st.nrPagesMapped(s, G), st.mappedShared(s, G)]
  }
  // the ground truth (core truthHgm.ts): 4 entries, none whole-folio; page 3 once, pages 512–1023 twice, 1024–1535
  // once, page 0 not; 512 + 512 + 1 = 1025 pages mapped; two processes
  test('hgm-v1 and hgm-v2-thp-like count a PMD in each of its 512 subpages: every answer is the truth', () => {
    for (const id of ['hgm-v1', 'hgm-v2-thp-like']) expect(answers1G(id, [...setup1G(), ...entries()]), id).toEqual([4, 0, 0, 1, 2, 1, 2, 1025, true])
  })
  test('hgm-hstate-once: one hstate-level (1 GiB) mapping per process whatever the entries: 2 everywhere, all pages', () => {
    expect(answers1G('hgm-hstate-once', [...setup1G(), ...entries()])).toEqual([2, 2, 2, 2, 2, 2, 2, 262144, true])
  })
  test('total-mapped-pages: a PMD adds 512 pages: total 1537, kpagecount DIV_ROUND_CLOSEST(1537, 262144) = 0, shown as 1', () => {
    expect(answers1G('total-mapped-pages', [...setup1G(), ...entries()])).toEqual([4, 0, null, null, null, null, 1, null, true])
  })
  test('willy-vma-pt: A\'s two PMDs share its PMD table, its PTE another table, B\'s PMD a third: 3 tuples', () => {
    expect(answers1G('willy-vma-pt', [...setup1G(), ...entries()])).toEqual([3, 0, null, null, null, null, 3, null, true])
  })
  test('linux-6.15 (no HGM rule): each entry as a whole-folio rmap: 4 everywhere', () => {
    expect(answers1G('linux-6.15', [...setup1G(), ...entries()])).toEqual([4, 4, 4, 4, 4, 4, 4, 262144, true])
  })
  test('removing every entry leaves every scheme at 0', () => {
    const undo = [hgmRemove(A, VA1 + 512, G, G + 512, 'pmd'), hgmRemove(A, VA1 + 1024, G, G + 1024, 'pmd'), hgmRemove(A, VA1 + 3, G, G + 3), hgmRemove(B, VB1 + 512, G, G + 512, 'pmd')]
    for (const st of [...STRATEGIES, ...PROPOSALS]) expect(answers1G(st.id, [...setup1G(), ...entries(), ...undo])[0], st.id).toBe(0)
  })
  test('HVO (6.18 keeps struct pages 0–63 writable): hgm-v2-thp-like writes 512 read-only struct pages for a PMD over piece 1, one event; hgm-hstate-once none', () => {
    expect(costOf(strategyById('hgm-v2-thp-like')!, setup1G(), [entries()[0]!])).toMatchObject({ hvoConflicts: 512, hvoWrites: 1 })
    expect(costOf(strategyById('hgm-hstate-once')!, setup1G(), entries())).toMatchObject({ hvoConflicts: 0, hvoWrites: 0 })
  })
})

describe('random HGM streams: exact answers equal the truth, the rest are declared (every built-in scheme)', () => {
  for (const st of [...STRATEGIES, ...PROPOSALS]) {
    test(st.id, () => {
      for (const seed of [1, 2, 3, 4, 5, 6]) checkStream(st as unknown as ContractStrategy<unknown>, hgmStream(seed), `HGM stream seed ${seed}`, true)
    })
  }
})
