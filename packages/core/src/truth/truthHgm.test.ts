import { describe, expect, test } from 'vitest'
import { mmEvent as ev } from '../events/factory.ts'
import type { MmEvent } from '../events/mmEvent.ts'
import { folioTruth, pageMapcount } from '../groundTruth/folioTruth.ts'
import { checkInvariants } from '../groundTruth/recount.ts'
import { applyEvent } from '../reducers/applyEvent.ts'
import { emptyState } from '../state/mmState.ts'
import { stateDigest } from '../state/stateDigest.ts'
import { Txn } from '../state/txn.ts'
import { toMmState } from './toMmState.ts'
import { trieGet } from '../state/cowTrie.ts'
import { truthDigest, truthFolio, truthFolioRec, truthPageMapcount, truthSummaryOf } from './truthQueries.ts'
import { TruthState } from './truthState.ts'

// HGM (HugeTLB high-granularity mapping, model-only) in the flat ground truth and in the reference Txn
// reducers: every expected count below is worked out by hand from the events (one present entry = one
// mapping; HGM v2's MADV_SPLIT remaps nothing, hugetlb_add_file_rmap() on a 4 KiB hugetlb_pte adds one).

const A = 0x40000 // vpn of a 1 GiB-aligned shared HugeTLB 2 MiB mapping
const F = 0x1000 // pfn of a 2 MiB HugeTLB folio

const setup = (shared = true): MmEvent[] => [
  ev('process/created', { pid: 0 }),
  ev('vma/mapped', { pid: 0, vpn: A, nrPages: 512, kind: 'hugetlb', shared, writable: true, file: 1, pgoff: 0 }),
  ev('hugetlb/poolGrown', { folio: F, order: 9 }),
]
const pte = (off: number): MmEvent => ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: A + off, folio: F, page: F + off, level: 'pte' })
const unpte = (off: number): MmEvent => ev('hugetlb/hgmRmapRemoved', { pid: 0, vpn: A + off, folio: F, page: F + off, level: 'pte' })
const split = ev('hugetlb/hgmEnabled', { pid: 0, vpn: A, nrPages: 512 })

/** both - replay @events into TruthState and the Txn reducers; they must agree on violations and digest. */
function both(events: readonly MmEvent[]) {
  const tx = new Txn(emptyState(), true)
  const t = new TruthState()
  for (const e of events) {
    applyEvent(tx, e)
    t.apply(e)
  }
  const s = tx.commit()
  expect(t.violations).toEqual(s.violations)
  expect(truthDigest(t)).toBe(stateDigest(s))
  expect(stateDigest(toMmState(t))).toBe(stateDigest(s))
  for (const p of [F, F + 3, F + 4, F + 511]) {
    expect(truthPageMapcount(t, p)).toBe(pageMapcount(s, p))
    expect(truthFolio(t, p)).toEqual(folioTruth(s, p))
  }
  return { t, s, messages: s.violations.map((v) => v.message) }
}

describe('HGM: MADV_SPLIT, 4 KiB continues, collapse (worked by hand)', () => {
  test('MADV_SPLIT remaps nothing: the PMD stays, mapcount 1, and the VMA is marked hgm (digest changes only by that)', () => {
    const pmd = ev('hugetlb/rmapAdded', { pid: 0, vpn: A, folio: F, level: 'pmd', mode: 'file', exclusive: false })
    const before = both([...setup(), pmd])
    const after = both([...setup(), pmd, split])
    expect(after.messages).toEqual([])
    expect(folioTruth(after.s, F)!.mapcount).toBe(1)
    expect(pageMapcount(after.s, F + 100)).toBe(1)
    expect(truthDigest(after.t)).not.toBe(truthDigest(before.t))
    expect(after.s.procs[0]!.vmas[0]!.hgm).toBe(true)
  })

  test('two 4 KiB PTEs in the HGM VMA: folio mapcount 2, those pages 1, the others 0, partially mapped', () => {
    const { s, messages } = both([...setup(), split, ev('hugetlb/hgmTableAllocated', { pid: 0, vpn: A, level: 'pte' }), pte(3), pte(4)])
    expect(messages).toEqual([])
    const f = folioTruth(s, F)!
    expect(f.mapcount).toBe(2)
    expect(f.entireMapcount).toBe(0)
    expect(f.pagesMapped).toBe(2)
    expect(f.partiallyMapped).toBe(true)
    expect(pageMapcount(s, F + 3)).toBe(1)
    expect(pageMapcount(s, F + 4)).toBe(1)
    expect(pageMapcount(s, F)).toBe(0)
    expect(checkInvariants(s)).toEqual([])
  })

  test('collapse: the PTEs go (hugetlb_remove_rmap), one PMD comes: mapcount 1, every page 1', () => {
    const pmd = ev('hugetlb/rmapAdded', { pid: 0, vpn: A, folio: F, level: 'pmd', mode: 'file', exclusive: false })
    const { s, messages } = both([...setup(), split, pte(3), pte(4), unpte(3), unpte(4), pmd])
    expect(messages).toEqual([])
    const f = folioTruth(s, F)!
    expect(f.mapcount).toBe(1)
    expect(f.entireMapcount).toBe(1)
    expect(f.pagesMapped).toBe(512)
    expect(pageMapcount(s, F + 3)).toBe(1)
  })
})

describe('HGM violations (never thrown; both implementations, same messages)', () => {
  test('a 4 KiB PTE without MADV_SPLIT', () => {
    const { messages } = both([...setup(), pte(3)])
    expect(messages).toEqual([`vpn 0x40003 of p0 is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`])
  })

  test('MADV_SPLIT of a private HugeTLB VMA (HGM v2 is MAP_SHARED only)', () => {
    const { messages } = both([...setup(false), split])
    expect(messages).toEqual([`MADV_SPLIT on the VMA at 0x40000 of p0: HGM needs a shared HugeTLB VMA`])
  })

  test('a PTE under the still-present PMD (the entry is not none)', () => {
    const pmd = ev('hugetlb/rmapAdded', { pid: 0, vpn: A, folio: F, level: 'pmd', mode: 'file', exclusive: false })
    const { messages, s } = both([...setup(), pmd, split, pte(3)])
    expect(messages).toEqual([`PTE at vpn 0x40003 of p0 is already present`])
    expect(folioTruth(s, F)!.mapcount).toBe(1)
  })

  test('a page at another offset than the vpn, a PMD inside a 2 MiB folio, a PUD, a table outside HGM', () => {
    const { messages } = both([
      ...setup(), split,
      ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: A + 3, folio: F, page: F + 4, level: 'pte' }),
      ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: A, folio: F, page: F, level: 'pmd' }),
      ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: A, folio: F, page: F, level: 'pud' }),
      ev('hugetlb/hgmTableAllocated', { pid: 0, vpn: A + 512, level: 'pte' }),
      unpte(5),
    ])
    expect(messages).toEqual([
      'HGM pte entry at vpn 0x40003 maps page 0x1004: not the page at that offset of the huge page',
      'an HGM pmd entry cannot map part of HugeTLB folio 0x1000 of order 9',
      'an HGM pud entry cannot map part of HugeTLB folio 0x1000 of order 9',
      'vpn 0x40200 of p0 is outside every VMA',
      'p0 has no page tables', // no entry was ever installed: the existing clearEntries message
    ])
  })
})

// HGM PMDs inside a 1 GiB folio (hugetlb_alloc_largest_pte() picks PMD_SIZE where 2 MiB is aligned and
// fits): one entry per 2 MiB piece. Expected counts by hand: folio_mapcount() = entries mapping any page of
// the folio (whole-folio PUDs + PTEs + HGM PMDs, each once); a page's count = entries mapping it (an HGM
// PMD counts for each of its 512 pages, as the page tables map each of them once through it).
const G = 0x40000 // pfn of a 1 GiB HugeTLB folio
const setup1G = (pid = 0): MmEvent[] => [
  ...(pid === 0 ? [ev('process/created', { pid: 0 }), ev('hugetlb/poolGrown', { folio: G, order: 18 })] : [ev('process/created', { pid })]),
  ev('vma/mapped', { pid, vpn: A, nrPages: 262144, kind: 'hugetlb', shared: true, writable: true, file: 1, pgoff: 0 }),
  ev('hugetlb/hgmEnabled', { pid, vpn: A, nrPages: 262144 }),
]
const pmd1G = (piece: number, pid = 0): MmEvent => ev('hugetlb/hgmRmapAdded', { pid, vpn: A + 512 * piece, folio: G, page: G + 512 * piece, level: 'pmd' })
const unpmd1G = (piece: number, pid = 0): MmEvent => ev('hugetlb/hgmRmapRemoved', { pid, vpn: A + 512 * piece, folio: G, page: G + 512 * piece, level: 'pmd' })
const pte1G = (off: number, pid = 0): MmEvent => ev('hugetlb/hgmRmapAdded', { pid, vpn: A + off, folio: G, page: G + off, level: 'pte' })

/** both1G - replay into both implementations: same violations, digest and folio record (core's groundTruth/folioTruth does not count HGM PMDs: compared field by field). */
function both1G(events: readonly MmEvent[]) {
  const tx = new Txn(emptyState(), true)
  const t = new TruthState()
  for (const [i, e] of events.entries()) {
    applyEvent(tx, e)
    t.apply(e)
    expect(t.violationCount, `event ${i} ${e.type}`).toBe(tx.violationTotal)
  }
  const s = tx.commit()
  expect(t.violations).toEqual(s.violations)
  expect(truthDigest(t)).toBe(stateDigest(s))
  expect(stateDigest(toMmState(t))).toBe(stateDigest(s))
  const flat = truthFolioRec(t, G)
  const ref = trieGet(s.folios, G)
  expect(flat === undefined).toBe(ref === undefined)
  if (flat !== undefined && ref !== undefined) {
    expect([flat.entire, flat.ptes, flat.hgmPmds, flat.pagesMapped, flat.owners]).toEqual([ref.entire, ref.ptes, ref.hgmPmds, ref.pagesMapped, ref.owners])
    for (const p of [G, G + 3, G + 511, G + 512, G + 1023, G + 1024, G + 1536, G + 262143]) {
      expect(truthPageMapcount(t, p), `page ${p - G}`).toBe(pageMapcount(s, p))
    }
  }
  return { t, s, messages: s.violations.map((v) => v.message) }
}

describe('HGM PMDs inside a 1 GiB folio (worked by hand)', () => {
  test('two processes: p0 maps pieces 1 and 2 by PMD and page 3 by a PTE, p1 piece 1: folio 4 entries, pages 2/1/1/0', () => {
    const { t, messages } = both1G([
      ...setup1G(), pmd1G(1), pmd1G(2), ev('hugetlb/hgmTableAllocated', { pid: 0, vpn: A, level: 'pte' }), pte1G(3),
      ...setup1G(1), pmd1G(1, 1),
    ])
    expect(messages).toEqual([])
    const f = truthFolio(t, G)!
    expect(f.mapcount).toBe(4) // 3 entries of p0 + 1 of p1
    expect(f.entireMapcount).toBe(0)
    expect(f.pagesMapped).toBe(1025) // pieces 1 and 2 (512 each) + page 3
    expect(f.partiallyMapped).toBe(true)
    expect(f.processes).toEqual([0, 1])
    expect(truthFolioRec(t, G)!.owners).toEqual([0, 3, 1, 1])
    expect([G + 512, G + 1023, G + 1024, G + 1535, G + 3, G, G + 1536].map((p) => truthPageMapcount(t, p))).toEqual([2, 2, 1, 1, 1, 0, 0])
    expect(truthSummaryOf(t)).toMatchObject({ entries: { pte: 1, pmd: 3, pud: 0 }, pageMapcountSum: 1 + 3 * 512, mappedFolios: 1, partiallyMappedFolios: 1 })
  })

  test('the PMD leaf holds the first PFN of the piece (digest line E 0 pmd vpn pfn); removing it leaves the PMD of the other process', () => {
    const { t, messages } = both1G([...setup1G(), pmd1G(1), ...setup1G(1), pmd1G(1, 1), unpmd1G(1)])
    expect(messages).toEqual([])
    expect(t.procTables(0)!.pmdLeaf((A + 512) / 512)).toBeUndefined()
    expect(t.procTables(1)!.pmdLeaf((A + 512) / 512)).toBe(G + 512)
    expect(t.procTables(1)!.entryAt(A + 700)).toBe(G + 700)
    const f = truthFolio(t, G)!
    expect([f.mapcount, f.pagesMapped, truthPageMapcount(t, G + 512)]).toEqual([1, 512, 1])
  })

  test('unmapped again: no count left, the folio can leave the pool, the digest equals the never-mapped one', () => {
    const a = both1G([...setup1G(), pmd1G(5), unpmd1G(5)])
    const b = both1G([...setup1G()])
    expect(a.messages).toEqual([])
    expect(truthDigest(a.t)).toBe(truthDigest(b.t))
    expect(truthFolio(a.t, G)).toEqual(truthFolio(b.t, G))
    const c = both1G([...setup1G(), pmd1G(5), ev('folio/freed', { folio: G })])
    expect(c.messages).toEqual(['free of folio 0x40000, which is still mapped 1 times'])
  })

  test('violations: unaligned piece, a PMD over a present PMD or PTE, a PUD over them, removing a none PMD', () => {
    const { messages, t } = both1G([
      ...setup1G(), pmd1G(1), ev('hugetlb/hgmTableAllocated', { pid: 0, vpn: A, level: 'pte' }), pte1G(3),
      ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: A + 5, folio: G, page: G + 5, level: 'pmd' }),
      pmd1G(1),
      pmd1G(0),
      ev('hugetlb/rmapAdded', { pid: 0, vpn: A, folio: G, level: 'pud', mode: 'file', exclusive: false }),
      unpmd1G(3),
      ev('hugetlb/hgmRmapRemoved', { pid: 0, vpn: A + 512, folio: G, page: G + 1024, level: 'pmd' }),
    ])
    expect(messages).toEqual([
      'HGM pmd entry: page 0x40005 is not an aligned page of folio 0x40000 of order 18',
      'PMD at vpn 0x40200 of p0 is not none',
      'PMD at vpn 0x40000 of p0 is not none',
      'PUD at vpn 0x40000 of p0 covers present entries',
      'PMD at vpn 0x40600 of p0 is none, not page 0x40600',
      'HGM pmd entry at vpn 0x40200 maps page 0x40400: not the page at that offset of the huge page',
    ])
    expect(truthFolio(t, G)!.mapcount).toBe(2)
  })
})

describe('HGM: TruthState equals the Txn reducers on random HGM streams, valid and invalid (seeded)', () => {
  /** lcg - a small deterministic generator (seeded, so a failure names its seed). */
  const lcg = (seed: number) => {
    let x = seed >>> 0
    return (n: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % n)
  }
  const gen = (seed: number, n: number): MmEvent[] => {
    const r = lcg(seed)
    const out: MmEvent[] = [
      ev('process/created', { pid: 0 }),
      ev('vma/mapped', { pid: 0, vpn: A, nrPages: 1024, kind: 'hugetlb', shared: true, writable: true, file: 1, pgoff: 0 }),
      ev('vma/mapped', { pid: 0, vpn: A + 4096, nrPages: 512, kind: 'hugetlb', shared: false, writable: true, file: 2, pgoff: 0 }),
      ev('hugetlb/poolGrown', { folio: F, order: 9 }),
      ev('hugetlb/poolGrown', { folio: F + 512, order: 9 }),
    ]
    const base = [A, A + 512, A + 4096]
    for (let i = 0; i < n; i++) {
      const b = base[r(3)]!
      const folio = F + 512 * r(2)
      const off = r(8)
      const level = (['pte', 'pte', 'pte', 'pmd', 'pud'] as const)[r(5)]!
      switch (r(7)) {
        case 0: out.push(ev('hugetlb/hgmEnabled', { pid: 0, vpn: b + (r(4) === 0 ? 1 : 0), nrPages: 512 })); break
        case 1: case 2: out.push(ev('hugetlb/hgmRmapAdded', { pid: 0, vpn: b + off, folio, page: folio + off + (r(6) === 0 ? 1 : 0), level })); break
        case 3: out.push(ev('hugetlb/hgmRmapRemoved', { pid: 0, vpn: b + off, folio, page: folio + off, level })); break
        case 4: out.push(ev('hugetlb/rmapAdded', { pid: 0, vpn: b, folio, level: 'pmd', mode: 'file', exclusive: false })); break
        case 5: out.push(ev('hugetlb/rmapRemoved', { pid: 0, vpn: b, folio, level: 'pmd' })); break
        default: out.push(ev('hugetlb/hgmTableAllocated', { pid: 0, vpn: b + off, level })); break
      }
    }
    return out
  }

  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('seed %i: same violations after every event, same digest and counts', (seed) => {
    const events = gen(seed, 120)
    const tx = new Txn(emptyState(), true)
    const t = new TruthState()
    let added = 0
    for (const [i, e] of events.entries()) {
      applyEvent(tx, e)
      const ok = t.apply(e)
      expect(t.violationCount, `event ${i} ${e.type}`).toBe(tx.violationTotal)
      if (ok && e.type === 'hugetlb/hgmRmapAdded') added++
    }
    both(events)
    expect(added).toBeGreaterThan(0) // the stream does exercise HGM PTEs, not only refusals
  })
})

describe('HGM PMDs: TruthState equals the Txn reducers on random 1 GiB streams (seeded)', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', (seed) => {
    let x = seed >>> 0
    const r = (n: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % n)
    const events: MmEvent[] = [...setup1G(), ...setup1G(1)]
    for (let i = 0; i < 150; i++) {
      const pid = r(2)
      const level = r(3) === 0 ? 'pte' : 'pmd'
      const off = level === 'pmd' ? 512 * r(4) + (r(8) === 0 ? 1 : 0) : r(1536)
      const type = r(3) === 0 ? 'hugetlb/hgmRmapRemoved' : 'hugetlb/hgmRmapAdded'
      if (r(10) === 0) events.push(ev('hugetlb/hgmTableAllocated', { pid, vpn: A + off, level: 'pte' }))
      else events.push(ev(type, { pid, vpn: A + off, folio: G, page: G + off, level }))
    }
    const { t } = both1G(events)
    expect(truthFolioRec(t, G)!.hgmPmds).toBeGreaterThanOrEqual(0)
  })
})
