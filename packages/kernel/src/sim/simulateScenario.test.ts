import { describe, expect, it } from 'vitest'
import { checkInvariants } from '@mmsim/core'
import type { PageObservation, PresentPage } from '../live/observation.ts'
import { parseScenario } from '../scenario/parseScenario.ts'
import { simulateScenario } from './simulateScenario.ts'

// Expected values are worked out by hand from the 6.18 source (and agree with the live kernel's
// stored observations in traces/scenarios where the same situation appears there).

function run(text: string) {
  const r = simulateScenario(parseScenario(text.trim().replace(/^ +/gm, ''), 't.scenario'))
  expect(r.state.violations).toEqual([])
  expect(checkInvariants(r.state)).toEqual([])
  return r.observation
}

function pages(text: string, check = 0, proc = 'p0', map = 'A'): PageObservation[] {
  return run(text).checks[check]!.procs[proc]![map]!
}

const present = (p: PageObservation | undefined): PresentPage => {
  if (p === undefined || !p.present) throw new Error('page not present')
  return p
}

describe('anon faults', () => {
  it('a write fault in a VM_HUGEPAGE 2M range maps one PMD THP: every page mapcount 1, exclusive', () => {
    const ps = pages(`
      p0 mmap A 2M anon private
      p0 madvise A hugepage
      p0 write A[0+4K]
      check`)
    expect(ps).toHaveLength(512)
    for (const p of ps) expect(p).toMatchObject({ present: true, folio: 0, order: 9, mapcount: 1, exclusive: true, anon: true, thp: true })
  })

  it('a read fault with thp=never maps the 4K zero page: mapcount 0, not anon, label null', () => {
    const [p] = pages(`
      set thp=never
      p0 mmap A 4K anon private
      p0 read A
      check`)
    expect(p).toEqual({ off: 0, present: true, folio: null, order: 0, mapcount: 0, exclusive: false, anon: false, thp: false, hugetlb: false, zero: true })
  })

  it('mTHP: a 64K order is used only where its aligned block lies inside the VMA (skew 16K)', () => {
    const ps = pages(`
      set thp.64K=always
      p0 mmap A 128K anon private skew=16K
      p0 write A
      check`).map(present)
    // VMA [16K, 144K) of its slot: only [64K, 128K) holds a whole aligned 64K block -> offsets 48K..108K
    expect(ps.map((p) => p.order)).toEqual([...Array(12).fill(0), ...Array(16).fill(4), ...Array(4).fill(0)])
    expect(new Set(ps.slice(12, 28).map((p) => p.folio)).size).toBe(1)
  })
})

describe('fork and COW', () => {
  const thpFork = `
    p0 mmap A 2M anon private
    p0 madvise A hugepage
    p0 write A
    p0 fork p1
    check
    p1 write A[8K+4K]
    check`

  it('fork shares a PMD-mapped THP: mapcount 2, not exclusive, same folio in both', () => {
    const c = run(thpFork).checks[0]!
    for (const proc of ['p0', 'p1']) {
      for (const p of c.procs[proc]!.A!) expect(p).toMatchObject({ folio: 0, order: 9, mapcount: 2, exclusive: false })
    }
  })

  it('a child COW of one page: the child gets an order-0 copy; the parent PMD page reads mapcount 1, still not exclusive', () => {
    const c = run(thpFork).checks[1]!
    const child = c.procs.p1!.A!.map(present)
    const parent = c.procs.p0!.A!.map(present)
    expect(child[2]).toMatchObject({ order: 0, mapcount: 1, exclusive: true, anon: true })
    expect(child[3]).toMatchObject({ order: 9, mapcount: 2, exclusive: false })
    // parent: PMD still maps the folio (1) and the child's PTEs map every page but page 2 (+1)
    expect(parent[2]).toMatchObject({ order: 9, mapcount: 1, exclusive: false })
    expect(parent[3]).toMatchObject({ order: 9, mapcount: 2, exclusive: false })
  })

  it('fork does not copy a VMA without anon_vma (zero pages only): the child faults later', () => {
    const c = run(`
      set thp=never
      p0 mmap A 8K anon private
      p0 read A
      p0 fork p1
      check`).checks[0]!
    expect(c.procs.p1!.A).toEqual([{ off: 0, present: false }, { off: 4096, present: false }])
  })

  it('after the child exits, the parent reuses its small page instead of copying', () => {
    const r = simulateScenario(parseScenario('p0 mmap A 4K anon private\np0 write A\np0 fork p1\np1 exit\np0 write A\ncheck', 't'))
    expect(r.events.filter((e) => e.type === 'rmap/anonReused')).toHaveLength(1)
    expect(r.observation.checks[0]!.procs.p0!.A![0]).toMatchObject({ mapcount: 1, exclusive: true })
  })
})

describe('zap', () => {
  it('a partial DONTNEED of a PMD THP splits only the PMD: the folio stays order 9', () => {
    const ps = pages(`
      p0 mmap A 2M anon private
      p0 madvise A hugepage
      p0 write A
      p0 madvise A[64K+4K] dontneed
      check`)
    expect(ps[16]).toEqual({ off: 65536, present: false })
    expect(present(ps[17])).toMatchObject({ folio: 0, order: 9, mapcount: 1, exclusive: true })
  })

  it('a write after DONTNEED of a whole PMD refaults a THP (the empty page table was reclaimed)', () => {
    const ps = pages(`
      p0 mmap A 2M anon private
      p0 madvise A hugepage
      p0 write A
      p0 madvise A dontneed
      p0 write A[0+4K]
      check`)
    expect(present(ps[0]).order).toBe(9)
  })
})

describe('refusals', () => {
  it('a write to a read-only range stops with SIGSEGV after the pages before it', () => {
    const o = run(`
      p0 mmap A 8K anon private
      p0 mprotect A[4K+4K] ro
      p0 write A
      check`)
    expect(o.refused).toEqual([{ line: 3, op: 'write', errno: 'SIGSEGV' }])
    expect(o.checks[0]!.procs.p0!.A!.map((p) => p.present)).toEqual([true, false])
  })

  it('MADV_COLLAPSE on a VMA that cannot hold an aligned PMD is EINVAL', () => {
    expect(run('p0 mmap A 2M anon private skew=4K\np0 write A\np0 madvise A collapse\ncheck').refused).toEqual([{ line: 3, op: 'madvise', errno: 'EINVAL' }])
  })

  it('a HugeTLB mmap larger than the pool is ENOMEM and later touches fault with SIGSEGV', () => {
    expect(run('p0 mmap A 2M hugetlb2M private\np0 write A\ncheck').refused).toEqual([
      { line: 1, op: 'mmap', errno: 'ENOMEM' },
      { line: 2, op: 'write', errno: 'SIGSEGV' },
    ])
  })
})

describe('HugeTLB and HVO', () => {
  it('HVO frees 7 vmemmap pages per 2M pool page', () => {
    const o = run('set hvo=on\nset hugetlb.2M=4\np0 mmap A 2M hugetlb2M shared\np0 write A\ncheck vmemmap')
    expect(o.checks[0]!.vmemmapPagesDelta).toBe(-28)
    expect(o.checks[0]!.procs.p0!.A![5]).toMatchObject({ order: 9, mapcount: 1, exclusive: true, anon: false, hugetlb: true, thp: false })
  })

  it('PMD sharing: a second mm faulting a 1G-aligned shared mapping reuses the PMD table (mapcount 1, not exclusive); unsharing drops the whole table', () => {
    const o = run(`
      set hugetlb.2M=520
      p0 mmap A 1G hugetlb2M shared
      p0 write A[0+4M]
      p0 fork p1
      p1 read A[0+4K]
      check
      p1 madvise A[0+2M] dontneed
      check`)
    const [c1, c2] = o.checks
    for (const proc of ['p0', 'p1']) {
      const a = c1!.procs[proc]!.A!
      expect(a[0]).toMatchObject({ present: true, mapcount: 1, exclusive: false, hugetlb: true })
      expect(a[512]).toMatchObject({ present: true, mapcount: 1, exclusive: false })
      expect(a[1024]).toEqual({ off: 1024 * 4096, present: false })
    }
    expect(c2!.procs.p1!.A!.filter((p) => p.present)).toHaveLength(0)
    expect(c2!.procs.p0!.A![512]).toMatchObject({ present: true, mapcount: 1, exclusive: true })
  })

  it('1G HugeTLB with HVO: 4095 vmemmap pages freed; a shared 1G page is not PMD-shared (mapcount 2 after the child faults)', () => {
    const o = run(`
      set hvo=on
      set hugetlb.1G=1
      p0 mmap A 1G hugetlb1G shared
      p0 write A[0+4K]
      p0 fork p1
      p1 read A[4K+4K]
      check vmemmap`)
    const c = o.checks[0]!
    expect(c.vmemmapPagesDelta).toBe(-4095)
    for (const proc of ['p0', 'p1']) expect(c.procs[proc]!.A![262143]).toMatchObject({ order: 18, mapcount: 2, exclusive: false, anon: false, hugetlb: true })
  })
})
