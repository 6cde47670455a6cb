import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { truthFolio, truthPageMapcount, truthSummaryOf, type MmEvent, type TruthState } from '@mmsim/core'
import { parseScenario } from '../scenario/parseScenario.ts'
import { NotModelled } from './simContext.ts'
import { runScenario } from './simulateScenario.ts'

// HugeTLB high-granularity mapping (HGM v2 series, model-only, `set hgm=on`). Every expected value is worked
// out by hand from the series' rules (cited in hgmMadvise.ts / hgmContinue.ts / hgmZap.ts): MADV_SPLIT
// remaps nothing; a 4K UFFDIO_CONTINUE maps one PTE (hugetlb_add_file_rmap() on a 4K hugetlb_pte: one entry
// for the page, one for the folio) after the walk allocated the PTE table once per 2 MiB; MADV_COLLAPSE
// removes every HGM entry of this mm and maps one PMD. Events are printed relative to the mapping's first
// vpn (A+n) and the huge page's head PFN (F+n).

interface Run {
  events: MmEvent[]
  truth: TruthState
  refused: { line: number; errno: string }[]
  /** the HGM and HugeTLB mapping events, as `type pN A+off [F+page] level` */
  hgm: string[]
  F: number
}

function sim(text: string): Run {
  const events: MmEvent[] = []
  const r = runScenario(parseScenario(text.trim().replace(/^ +/gm, ''), 't.scenario'), (e) => void events.push({ ...e }))
  expect(r.truth.violations).toEqual([])
  const A = events.find((e) => e.type === 'vma/mapped')?.vpn ?? 0
  const F = events.find((e) => e.type === 'hugetlb/poolGrown')?.folio ?? 0
  const hgm: string[] = []
  for (const e of events) {
    if (e.type === 'hugetlb/hgmEnabled') hgm.push(`hgmEnabled p${e.pid} A+${e.vpn - A} ${e.nrPages}`)
    else if (e.type === 'hugetlb/hgmTableAllocated') hgm.push(`hgmTableAllocated p${e.pid} A+${e.vpn - A} ${e.level}`)
    else if (e.type === 'hugetlb/hgmRmapAdded' || e.type === 'hugetlb/hgmRmapRemoved') {
      hgm.push(`${e.type.slice(8)} p${e.pid} A+${e.vpn - A} F+${e.page - F} ${e.level}`)
    } else if (e.type === 'hugetlb/rmapAdded' || e.type === 'hugetlb/rmapRemoved') hgm.push(`${e.type.slice(8)} p${e.pid} A+${e.vpn - A} ${e.level}`)
  }
  return { events, truth: r.truth, refused: r.observation.refused.map(({ line, errno }) => ({ line, errno })), hgm, F }
}

const POOL = 'set hugetlb.2M=2\nset hgm=on\np0 mmap A 2M hugetlb2M shared\n'

describe('HGM off (the default): 6.18 behaviour unchanged', () => {
  it('split is EINVAL and a 4K continue in HugeTLB is EINVAL, with or without an explicit set hgm=off; same events', () => {
    const body = 'set hugetlb.2M=1\np0 mmap A 2M hugetlb2M shared\np0 madvise A split\np0 continue A[0K+4K]\ncheck\n'
    const plain = sim(body)
    const off = sim('set hgm=off\n' + body)
    expect(plain.refused).toEqual([{ line: 3, errno: 'EINVAL' }, { line: 4, errno: 'EINVAL' }])
    expect(off.refused).toEqual([{ line: 4, errno: 'EINVAL' }, { line: 5, errno: 'EINVAL' }])
    // the same events but for the causes and check lines (one line later)
    const strip = (r: Run) => r.events.map(({ cause: _c, ...e }) => JSON.stringify(e.type === 'check/marked' ? { ...e, line: 0 } : e))
    expect(strip(off)).toEqual(strip(plain))
  })
})

describe('HGM: MADV_SPLIT and 4K UFFDIO_CONTINUE (2 MiB pages)', () => {
  const split4K = POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 continue A[12K+8K]\ncheck\n'

  it('split remaps nothing; continues map one PTE per 4K, the PTE table allocated once', () => {
    const r = sim(split4K)
    expect(r.refused).toEqual([])
    expect(r.hgm).toEqual([
      'hgmEnabled p0 A+0 512',
      'hgmTableAllocated p0 A+0 pte',
      'hgmRmapAdded p0 A+0 F+0 pte',
      'hgmRmapAdded p0 A+3 F+3 pte', // A[12K+8K]: pages 3 and 4
      'hgmRmapAdded p0 A+4 F+4 pte',
    ])
  })

  it('ground truth: folio mapcount 3 (three PTEs), no entire mapping, pages 0/3/4 once, partially mapped', () => {
    const { truth, F } = sim(split4K)
    const f = truthFolio(truth, F)!
    expect(f).toMatchObject({ mapcount: 3, entireMapcount: 0, pagesMapped: 3, partiallyMapped: true })
    expect([0, 1, 3, 4, 5].map((i) => truthPageMapcount(truth, F + i))).toEqual([1, 0, 1, 1, 0])
    expect(truthSummaryOf(truth).entries).toEqual({ pte: 3, pmd: 0, pud: 0 })
  })

  it('a whole-huge-page continue in an HGM VMA maps a PMD (hugetlb_alloc_largest_pte picks 2M); a 4K one under it is EEXIST', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A\np0 continue A[4K+4K]\n')
    expect(r.hgm).toEqual(['hgmEnabled p0 A+0 512', 'rmapAdded p0 A+0 pmd'])
    expect(r.refused).toEqual([{ line: 6, errno: 'EEXIST' }])
  })

  it('a continue over a page already mapped 4K: EEXIST first, EAGAIN after mapping some (one PTE: A+1)', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A[8K+4K]\np0 continue A[8K+4K]\np0 continue A[4K+8K]\n')
    expect(r.refused).toEqual([{ line: 6, errno: 'EEXIST' }, { line: 7, errno: 'EAGAIN' }])
    expect(r.hgm.slice(-1)).toEqual(['hgmRmapAdded p0 A+1 F+1 pte'])
  })

  it('split is EINVAL on private HugeTLB and on shmem (HGM v2: MAP_SHARED HugeTLB only), ENOMEM past the VMAs', () => {
    const r = sim('set hugetlb.2M=1\nset hgm=on\np0 mmap A 2M hugetlb2M private\np0 mmap B 8K shmem shared\np0 madvise A split\np0 madvise B split\n')
    expect(r.refused).toEqual([{ line: 5, errno: 'EINVAL' }, { line: 6, errno: 'EINVAL' }])
    expect(r.hgm).toEqual([])
  })

  it('a read fault below an HGM PTE table maps 4K ("the largest possible size"); elsewhere the PMD as usual', () => {
    const r = sim('set hugetlb.2M=2\nset hgm=on\np0 mmap A 4M hugetlb2M shared\np0 madvise A split\np0 continue A[0K+4K]\np0 read A[8K+4K]\np0 read A[2M+4K]\n')
    expect(r.hgm.slice(2)).toEqual(['hgmRmapAdded p0 A+0 F+0 pte', 'hgmRmapAdded p0 A+2 F+2 pte', 'rmapAdded p0 A+512 pmd'])
  })
})

describe('HGM: MADV_COLLAPSE', () => {
  it('collapse removes each HGM PTE (hugetlb_remove_rmap) then maps one PMD: mapcount 1, every page 1', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 continue A[12K+8K]\np0 madvise A collapse\n')
    expect(r.hgm.slice(5)).toEqual(['hgmRmapRemoved p0 A+0 F+0 pte', 'hgmRmapRemoved p0 A+3 F+3 pte', 'hgmRmapRemoved p0 A+4 F+4 pte', 'rmapAdded p0 A+0 pmd'])
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 1, entireMapcount: 1, pagesMapped: 512 })
    expect(truthPageMapcount(r.truth, r.F + 100)).toBe(1)
    expect(truthSummaryOf(r.truth).entries).toEqual({ pte: 0, pmd: 1, pud: 0 })
  })

  it('after collapse the PTE table is freed: a new 4K continue elsewhere in a split page allocates again; a collapse with no HGM tables does nothing', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 madvise A collapse\np0 madvise A collapse\np0 munmap A\np0 mmap B 2M hugetlb2M shared\np0 madvise B split\np0 continue B[4K+4K]\n')
    expect(r.refused).toEqual([])
    const tables = r.hgm.filter((s) => s.startsWith('hgmTableAllocated'))
    expect(tables).toHaveLength(2) // one for A, one for B (the second collapse of A emitted nothing)
  })

  it('collapse on a shared HugeTLB VMA without HGM is a no-op success (hugetlb_collapse: nothing to collapse); hgm=off: EINVAL', () => {
    expect(sim(POOL + 'p0 continue A\np0 madvise A collapse\n').refused).toEqual([])
    expect(sim('set hugetlb.2M=1\np0 mmap A 2M hugetlb2M shared\np0 continue A\np0 madvise A collapse\n').refused).toEqual([{ line: 4, errno: 'EINVAL' }])
  })

  it('collapse in one process leaves the other process HGM PTEs: page mapcounts add up per entry', () => {
    const r = sim(POOL + 'p0 fork p1\np0 madvise A split\np1 madvise A split\np0 continue A[4K+4K]\np1 continue A[4K+4K]\np1 continue A[1M+4K]\np0 madvise A collapse\n')
    // p0: PMD (every page 1); p1: PTEs at pages 1 and 256 -> page 1: 2, page 256: 2, page 0: 1; folio: 1 entire + 2 PTEs
    expect([0, 1, 256].map((i) => truthPageMapcount(r.truth, r.F + i))).toEqual([1, 2, 2])
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 3, entireMapcount: 1 })
  })
})

describe('HGM: fork, munmap, exit, punch', () => {
  it('fork of a shared HGM mapping copies no entry (vma_needs_copy(): no anon_vma) but keeps VM_HUGETLB_HGM; the child continues 4K itself', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 fork p1\np1 continue A[0K+4K]\n')
    const forked = r.events.findIndex((e) => e.type === 'process/forked')
    expect(r.events.slice(forked + 1).filter((e) => e.cause === 't.scenario:6')).toEqual([]) // nothing at the fork but process/forked
    expect(r.truth.vmas(1)!.map((v) => v.hgm)).toEqual([true])
    expect(r.hgm.slice(-2)).toEqual(['hgmTableAllocated p1 A+0 pte', 'hgmRmapAdded p1 A+0 F+0 pte'])
    expect(truthPageMapcount(r.truth, r.F)).toBe(2)
  })

  it('munmap and exit clear every HGM PTE (hgmRmapRemoved each); the page stays in the page cache', () => {
    const r = sim(POOL + 'p0 fork p1\np0 madvise A split\np1 madvise A split\np0 continue A[0K+8K]\np1 continue A[4K+4K]\np0 munmap A\np1 exit\n')
    expect(r.hgm.slice(-3)).toEqual(['hgmRmapRemoved p0 A+0 F+0 pte', 'hgmRmapRemoved p0 A+1 F+1 pte', 'hgmRmapRemoved p1 A+1 F+1 pte'])
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 0 })
    expect(r.events.some((e) => e.type === 'hugetlb/poolShrunk' || e.type === 'folio/freed')).toBe(false)
  })

  it('punch (madvise remove) zaps the HGM PTEs of every process, then the page leaves the cache', () => {
    const r = sim(POOL + 'p0 fork p1\np0 madvise A split\np1 madvise A split\np0 continue A[0K+4K]\np1 continue A[8K+4K]\np0 madvise A remove\n')
    expect(r.refused).toEqual([])
    expect(r.hgm.slice(-2)).toEqual(['hgmRmapRemoved p0 A+0 F+0 pte', 'hgmRmapRemoved p1 A+2 F+2 pte'])
    expect(truthSummaryOf(r.truth).entries).toEqual({ pte: 0, pmd: 0, pud: 0 })
  })

  it('MADV_DONTNEED of whole huge pages clears HGM PTEs; of part of one is refused (not modelled)', () => {
    const r = sim(POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 madvise A dontneed\n')
    expect(r.hgm.slice(-1)).toEqual(['hgmRmapRemoved p0 A+0 F+0 pte'])
    expect(() => sim(POOL + 'p0 madvise A split\np0 continue A[0K+4K]\np0 madvise A[0K+4K] dontneed\n')).toThrow(NotModelled)
  })

  it('mremap of an HGM VMA is refused (not modelled)', () => {
    expect(() => sim(POOL + 'p0 madvise A split\np0 mremap A B\n')).toThrow(/not modelled: mremap of an HGM VMA/)
  })
})

describe('HGM in a 1 GiB page', () => {
  const G = 'set hugetlb.1G=1\nset hgm=on\np0 mmap A 1G hugetlb1G shared\np0 madvise A split\n'

  it('a 4K continue allocates the PMD table and a PTE table (hugetlb_full_walk_alloc), then one PTE; collapse maps the PUD', () => {
    const r = sim(G + 'p0 continue A[0K+4K]\np0 continue A[2M+4K]\np0 madvise A collapse\n')
    expect(r.hgm).toEqual([
      'hgmEnabled p0 A+0 262144',
      'hgmTableAllocated p0 A+0 pmd',
      'hgmTableAllocated p0 A+0 pte',
      'hgmRmapAdded p0 A+0 F+0 pte',
      'hgmTableAllocated p0 A+512 pte', // the next 2 MiB: a second PTE table, the PMD table exists
      'hgmRmapAdded p0 A+512 F+512 pte',
      'hgmRmapRemoved p0 A+0 F+0 pte',
      'hgmRmapRemoved p0 A+512 F+512 pte',
      'rmapAdded p0 A+0 pud',
    ])
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 1, entireMapcount: 1 })
  })

  it('2 MiB pieces by HGM PMDs (hugetlb_alloc_largest_pte), 4K where 2M does not fit, a fault maps 2M; fork, munmap, collapse', () => {
    const r = sim(G + [
      'p0 continue A[2M+2M]', // line 5: one HGM PMD, the PMD table allocated first
      'p0 continue A[4M+2056K]', // 6: 2M aligned and fits: a PMD; the 8K left: a PTE table, two PTEs
      'p0 continue A[1M+4K]', // 7: 4K in the first 2M: its PTE table, one PTE
      'p0 continue A[2M+4K]', // 8: under the HGM PMD (hpte->shift > PAGE_SHIFT): EEXIST
      'p0 read A[8M+4K]', // 9: no PTE table there: hugetlb_no_page() at the PMD, "the largest possible size"
      'p0 fork p1', // 10: shared HugeTLB: dup_mmap() copies no entry (no event), the VMA keeps VM_HUGETLB_HGM
      'p1 continue A[2M+2M]', // 11
      'check',
      'p0 munmap A', // 13
      'check',
      'p1 madvise A collapse', // 15
      'check',
    ].join('\n') + '\n')
    expect(r.refused).toEqual([{ line: 8, errno: 'EEXIST' }])
    expect(r.hgm).toEqual([
      'hgmEnabled p0 A+0 262144',
      'hgmTableAllocated p0 A+0 pmd',
      'hgmRmapAdded p0 A+512 F+512 pmd',
      'hgmRmapAdded p0 A+1024 F+1024 pmd',
      'hgmTableAllocated p0 A+1536 pte',
      'hgmRmapAdded p0 A+1536 F+1536 pte',
      'hgmRmapAdded p0 A+1537 F+1537 pte',
      'hgmTableAllocated p0 A+0 pte',
      'hgmRmapAdded p0 A+256 F+256 pte',
      'hgmRmapAdded p0 A+2048 F+2048 pmd',
      'hgmTableAllocated p1 A+0 pmd', // p1's own page tables: its own PMD table under its PUD
      'hgmRmapAdded p1 A+512 F+512 pmd',
      // munmap: __unmap_hugepage_range() over hugetlb_pte, address order, each entry at its own level
      'hgmRmapRemoved p0 A+256 F+256 pte',
      'hgmRmapRemoved p0 A+512 F+512 pmd',
      'hgmRmapRemoved p0 A+1024 F+1024 pmd',
      'hgmRmapRemoved p0 A+1536 F+1536 pte',
      'hgmRmapRemoved p0 A+1537 F+1537 pte',
      'hgmRmapRemoved p0 A+2048 F+2048 pmd',
      'hgmRmapRemoved p1 A+512 F+512 pmd',
      'rmapAdded p1 A+0 pud',
    ])
    // the truth at the end: p1's PUD only
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 1, entireMapcount: 1, pagesMapped: 262144, processes: [1] })
  })

  it('the ground truth after the 2M and 4K continues, worked by hand: folio 7 entries, pages 2/1/1/0', () => {
    const r = sim(G + 'p0 continue A[2M+2M]\np0 continue A[4M+2056K]\np0 continue A[1M+4K]\np0 read A[8M+4K]\np0 fork p1\np1 continue A[2M+2M]\n')
    // p0: PMDs at 2M, 4M, 8M + PTEs at 1M, 6M, 6M+4K = 6 entries; p1: the PMD at 2M = 1
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 7, entireMapcount: 0, pagesMapped: 3 * 512 + 3, partiallyMapped: true, processes: [0, 1] })
    const F = r.F
    expect([F + 512, F + 1023, F + 1024, F + 2048, F + 256, F + 1536, F + 1538, F + 0].map((p) => truthPageMapcount(r.truth, p))).toEqual([2, 2, 1, 1, 1, 1, 0, 0])
    expect(truthSummaryOf(r.truth).entries).toEqual({ pte: 3, pmd: 4, pud: 0 })
  })

  it('collapse of part of a 1 GiB page stays refused (not modelled)', () => {
    expect(() => sim(G + 'p0 continue A[2M+2M]\np0 madvise A[2M+2M] collapse\n')).toThrow(/not modelled: MADV_COLLAPSE of part of a 1 GiB HGM page/)
  })
})

describe('traces/hgm: the model-only HGM scenarios', () => {
  const dir = new URL('../../../../traces/hgm/', import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith('.scenario'))

  it.each(files)('%s runs with no violation and no refusal', (f) => {
    const events: MmEvent[] = []
    const r = runScenario(parseScenario(readFileSync(new URL(f, dir), 'utf8'), `traces/hgm/${f}`), (e) => void events.push({ ...e }))
    expect(r.truth.violations).toEqual([])
    expect(r.observation.refused).toEqual([])
    expect(events.some((e) => e.type === 'hugetlb/hgmRmapAdded')).toBe(true)
  })

  it('hgm-walkthrough: the event sequence of the README walkthrough (issue 10 item 5)', () => {
    const r = sim(readFileSync(new URL('hgm-walkthrough.scenario', dir), 'utf8'))
    // p0 and p1 share the 2 MiB page F (fork before the split: each process splits its own VMA)
    expect(r.hgm).toEqual([
      'hgmEnabled p0 A+0 512',
      'hgmEnabled p1 A+0 512',
      'hgmTableAllocated p0 A+0 pte',
      'hgmRmapAdded p0 A+0 F+0 pte',
      'hgmRmapAdded p0 A+1 F+1 pte',
      'hgmRmapAdded p0 A+3 F+3 pte',
      'hgmTableAllocated p1 A+0 pte',
      'hgmRmapAdded p1 A+1 F+1 pte',
      'hgmRmapAdded p1 A+256 F+256 pte', // A[1M+8K]: pages 256 and 257
      'hgmRmapAdded p1 A+257 F+257 pte',
      'hgmRmapRemoved p0 A+0 F+0 pte', // p0 madvise A collapse
      'hgmRmapRemoved p0 A+1 F+1 pte',
      'hgmRmapRemoved p0 A+3 F+3 pte',
      'rmapAdded p0 A+0 pmd',
      'hgmRmapRemoved p1 A+1 F+1 pte', // p1 madvise A collapse
      'hgmRmapRemoved p1 A+256 F+256 pte',
      'hgmRmapRemoved p1 A+257 F+257 pte',
      'rmapAdded p1 A+0 pmd',
    ])
    // the end: two PMDs map F, every page twice
    expect(truthFolio(r.truth, r.F)).toMatchObject({ mapcount: 2, entireMapcount: 2, pagesMapped: 512 })
    expect(truthPageMapcount(r.truth, r.F + 257)).toBe(2)
  })
})

describe('HGM: a VMA split by MADV_SPLIT', () => {
  it('VM_HUGETLB_HGM is a VMA flag: a continue across the HGM and the non-HGM part is ENOENT (two VMAs); inside the HGM part it maps 4K', () => {
    // split of the first 2M only: core VMAs [A, A+512) with HGM and [A+512, A+1024) without, two kernel VMAs
    const r = sim('set hugetlb.2M=2\nset hgm=on\np0 mmap A 4M hugetlb2M shared\np0 madvise A[0K+2M] split\np0 continue A[2044K+8K]\np0 continue A[4K+4K]\np0 read A[8K+4K]\n')
    expect(r.refused).toEqual([{ line: 5, errno: 'ENOENT' }]) // validate_dst_vma(): the range leaves the HGM VMA
    expect(r.hgm).toEqual(['hgmEnabled p0 A+0 512', 'hgmTableAllocated p0 A+0 pte', 'hgmRmapAdded p0 A+1 F+1 pte', 'hgmRmapAdded p0 A+2 F+2 pte'])
  })
})
