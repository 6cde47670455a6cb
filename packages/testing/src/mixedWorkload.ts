import { folioHeadOf, HPAGE_PMD_NR, HPAGE_PMD_ORDER, HPAGE_PUD_NR, HPAGE_PUD_ORDER, type FolioKind, type Level, type MmEvent } from '@mmsim/core'
import { rng } from './syntheticWorkload.ts'

/**
 * A second generator of random *valid* event streams, for the strategy contract: what the anon workload
 * (syntheticWorkload.ts) does not produce — page-cache folios (file and shmem; order 0, 2, 9) mapped by
 * PTE batches and PMDs, several times and in several processes, fork with `rmap/fileDuplicated`,
 * HugeTLB pages (pool, HVO on and off, private and shared mappings, fork), PMD remap, partial zaps,
 * `folio/split` of PTE-mapped anon folios, migration (unmap everything, `folio/migrated`, map back),
 * `rmap/anonShared` / `rmap/anonReused`, and exit.
 */

interface Folio {
  order: number
  kind: FolioKind
  /** entries mapping the folio (a PTE, PMD or hugetlb entry counts 1) */
  maps: number
  hvo: boolean
}
interface Entry {
  page: number
  level: Level
}
/** per process: vpn -> entry (PMD entries at their first vpn) */
type Proc = Map<number, Entry>

const ANON_VMA = 0x100000
const FILE_VMA = 0x200000
const HUGE_VMA = 0x300000
/** a 1 GiB-aligned HugeTLB VMA for PUD mappings of 1 GiB HugeTLB folios */
const GIGA_VMA = 0x4000000
const CHUNKS = 8

/** MixedWorkloadOptions - the seed names the workload. */
export interface MixedWorkloadOptions {
  seed: number
  maxProcs?: number
}

/** MixedWorkload - call next() for each further batch of valid events. */
export class MixedWorkload {
  private readonly r: () => number
  private readonly procs = new Map<number, Proc>()
  private readonly folios = new Map<number, Folio>()
  private nextPfn = 1 << 20
  private nextPid = 0
  private readonly maxProcs: number
  private out: MmEvent[] = []

  constructor(opts: MixedWorkloadOptions) {
    this.r = rng(opts.seed ^ 0x5bd1e995)
    this.maxProcs = opts.maxProcs ?? 4
  }

  private int(n: number): number {
    return Math.floor(this.r() * n)
  }

  private ev(e: Record<string, unknown>): void {
    this.out.push({ ...e, cause: 'mixed' } as unknown as MmEvent)
  }

  private alloc(order: number, kind: FolioKind): number {
    const n = 2 ** order
    const pfn = Math.ceil(this.nextPfn / n) * n
    this.nextPfn = pfn + n
    this.folios.set(pfn, { order, kind, maps: 0, hvo: false })
    if (kind === 'hugetlb') this.ev({ type: 'hugetlb/poolGrown', folio: pfn, order })
    else this.ev({ type: 'folio/allocated', folio: pfn, order, kind, file: kind === 'anon' ? 0 : 1, index: 0 })
    return pfn
  }

  /** headOf - the live folio containing page @page */
  private headOf(page: number): number {
    const h = folioHeadOf(page, HPAGE_PMD_ORDER, (head) => this.folios.get(head)?.order)
    if (h >= 0) return h
    throw new Error(`no folio holds page ${page}`)
  }

  /** next - the events of one random operation */
  next(): MmEvent[] {
    this.out = []
    const pids = [...this.procs.keys()]
    if (pids.length === 0) {
      this.newProc()
      return this.out
    }
    const pid = pids[this.int(pids.length)]!
    const x = this.r()
    if (x < 0.12) this.anonFault(pid)
    else if (x < 0.3) this.fileMap(pid)
    else if (x < 0.38) this.hugetlbMap(pid)
    else if (x < 0.45 && pids.length < this.maxProcs) this.fork(pid)
    else if (x < 0.53) this.remapPmd(pid)
    else if (x < 0.68) this.zap(pid)
    else if (x < 0.705) this.splitFolio()
    else if (x < 0.78) this.migrate()
    else if (x < 0.83) this.exclusiveFlip()
    else if (x < 0.87) this.hvoFlip()
    else if (x < 0.9 && pids.length > 1) this.exit(pid)
    else this.fileMap(pid)
    return this.out
  }

  private newProc(): void {
    const pid = this.nextPid++
    this.procs.set(pid, new Map())
    this.ev({ type: 'process/created', pid })
    this.ev({ type: 'vma/mapped', pid, vpn: ANON_VMA, nrPages: CHUNKS * HPAGE_PMD_NR, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0 })
    this.ev({ type: 'vma/mapped', pid, vpn: FILE_VMA, nrPages: CHUNKS * HPAGE_PMD_NR, kind: 'file', shared: false, writable: true, file: 1, pgoff: 0 })
    this.ev({ type: 'vma/mapped', pid, vpn: HUGE_VMA, nrPages: 4 * HPAGE_PMD_NR, kind: 'hugetlb', shared: true, writable: true, file: 2, pgoff: 0 })
    this.ev({ type: 'vma/mapped', pid, vpn: GIGA_VMA, nrPages: HPAGE_PUD_NR, kind: 'hugetlb', shared: true, writable: true, file: 3, pgoff: 0 })
  }

  private chunkEmpty(p: Proc, chunk: number): boolean {
    for (let v = chunk; v < chunk + HPAGE_PMD_NR; v++) if (p.has(v)) return false
    return true
  }

  private map(pid: number, vpn: number, page: number, n: number, level: Level): void {
    const p = this.procs.get(pid)!
    const f = this.folios.get(this.headOf(page))!
    if (level === 'pte') for (let i = 0; i < n; i++) p.set(vpn + i, { page: page + i, level })
    else p.set(vpn, { page, level })
    f.maps += level === 'pte' ? n : 1
  }

  private anonFault(pid: number): void {
    const p = this.procs.get(pid)!
    const chunk = ANON_VMA + this.int(CHUNKS) * HPAGE_PMD_NR
    if (this.chunkEmpty(p, chunk) && this.r() < 0.5) {
      const f = this.alloc(HPAGE_PMD_ORDER, 'anon')
      this.ev({ type: 'rmap/newAnonAdded', pid, vpn: chunk, folio: f, page: f, nrPages: HPAGE_PMD_NR, level: 'pmd' })
      this.map(pid, chunk, f, HPAGE_PMD_NR, 'pmd')
      return
    }
    if (p.get(chunk)?.level === 'pmd') return
    const order = this.r() < 0.5 ? 2 : 0
    const n = 2 ** order
    const v = chunk + this.int(HPAGE_PMD_NR / n) * n
    for (let i = 0; i < n; i++) if (p.has(v + i)) return
    const f = this.alloc(order, 'anon')
    this.ev({ type: 'rmap/newAnonAdded', pid, vpn: v, folio: f, page: f, nrPages: n, level: 'pte' })
    this.map(pid, v, f, n, 'pte')
  }

  private pageCache(): number {
    const cached = [...this.folios].filter(([, f]) => f.kind === 'file' || f.kind === 'shmem')
    if (cached.length > 0 && this.r() < 0.6) return cached[this.int(cached.length)]![0]
    const order = [0, 2, HPAGE_PMD_ORDER][this.int(3)]!
    return this.alloc(order, this.r() < 0.5 ? 'file' : 'shmem')
  }

  private fileMap(pid: number): void {
    const p = this.procs.get(pid)!
    const head = this.pageCache()
    const f = this.folios.get(head)!
    const chunk = FILE_VMA + this.int(CHUNKS) * HPAGE_PMD_NR
    if (p.get(chunk)?.level === 'pmd') return
    if (f.order === HPAGE_PMD_ORDER && this.chunkEmpty(p, chunk) && this.r() < 0.5) {
      this.ev({ type: 'rmap/fileAdded', pid, vpn: chunk, folio: head, page: head, nrPages: HPAGE_PMD_NR, level: 'pmd' })
      this.map(pid, chunk, head, HPAGE_PMD_NR, 'pmd')
      return
    }
    // a PTE batch of a sub-range of the folio at the matching offset of the chunk
    const n0 = 2 ** f.order
    const a = this.int(n0)
    let b = a + 1 + this.int(Math.min(n0 - a, 64))
    const v = chunk + (a % HPAGE_PMD_NR)
    for (let i = 0; i < b - a; i++) {
      if (p.has(v + i)) {
        b = a + i
        break
      }
    }
    if (b <= a) return
    this.ev({ type: 'rmap/fileAdded', pid, vpn: v, folio: head, page: head + a, nrPages: b - a, level: 'pte' })
    this.map(pid, v, head + a, b - a, 'pte')
  }

  private hugetlbMap(pid: number): void {
    if (this.r() < 0.15) return this.gigaMap(pid)
    const p = this.procs.get(pid)!
    const chunk = HUGE_VMA + this.int(4) * HPAGE_PMD_NR
    if (p.has(chunk)) {
      this.unmapEntry(pid, chunk)
      return
    }
    const pool = [...this.folios].filter(([, f]) => f.kind === 'hugetlb' && f.order === HPAGE_PMD_ORDER)
    const shared = pool.filter(([, f]) => f.maps > 0)
    if (shared.length > 0 && this.r() < 0.4) {
      const [h] = shared[this.int(shared.length)]!
      this.ev({ type: 'hugetlb/rmapAdded', pid, vpn: chunk, folio: h, level: 'pmd', mode: 'file', exclusive: false })
      this.map(pid, chunk, h, HPAGE_PMD_NR, 'pmd')
      return
    }
    const free = pool.filter(([, f]) => f.maps === 0)
    const h = free.length > 0 ? free[this.int(free.length)]![0] : this.alloc(HPAGE_PMD_ORDER, 'hugetlb')
    const mode = this.r() < 0.5 ? 'newAnon' : 'file'
    this.ev({ type: 'hugetlb/rmapAdded', pid, vpn: chunk, folio: h, level: 'pmd', mode, exclusive: mode === 'newAnon' })
    this.map(pid, chunk, h, HPAGE_PMD_NR, 'pmd')
  }

  /** gigaMap - map (or unmap) a 1 GiB HugeTLB folio by the PUD of the 1 GiB VMA */
  private gigaMap(pid: number): void {
    const p = this.procs.get(pid)!
    if (p.has(GIGA_VMA)) return this.unmapEntry(pid, GIGA_VMA)
    const pool = [...this.folios].filter(([, f]) => f.kind === 'hugetlb' && f.order === HPAGE_PUD_ORDER)
    const h = pool.length > 0 ? pool[this.int(pool.length)]![0] : this.alloc(HPAGE_PUD_ORDER, 'hugetlb')
    const mode = this.folios.get(h)!.maps === 0 && this.r() < 0.5 ? 'newAnon' : 'file'
    this.ev({ type: 'hugetlb/rmapAdded', pid, vpn: GIGA_VMA, folio: h, level: 'pud', mode, exclusive: mode === 'newAnon' })
    p.set(GIGA_VMA, { page: h, level: 'pud' })
    this.folios.get(h)!.maps++
  }

  /** runs - the entries of @p in vpn order, PTEs batched into runs of consecutive pages of one folio */
  private runs(p: Proc, lo = 0, hi = Number.MAX_SAFE_INTEGER): { vpn: number; page: number; nr: number; level: Level }[] {
    const out: { vpn: number; page: number; nr: number; level: Level }[] = []
    for (const v of [...p.keys()].sort((a, b) => a - b)) {
      if (v < lo || v >= hi) continue
      const e = p.get(v)!
      const last = out[out.length - 1]
      if (e.level === 'pte' && last !== undefined && last.level === 'pte' && last.vpn + last.nr === v && last.page + last.nr === e.page &&
          v % HPAGE_PMD_NR !== 0 && this.headOf(last.page) === this.headOf(e.page)) last.nr++
      else out.push({ vpn: v, page: e.page, nr: e.level === 'pte' ? 1 : HPAGE_PMD_NR, level: e.level })
    }
    return out
  }

  private fork(pid: number): void {
    const child = this.nextPid++
    this.ev({ type: 'process/forked', pid, child })
    this.procs.set(child, new Map())
    for (const run of this.runs(this.procs.get(pid)!)) {
      const head = this.headOf(run.page)
      const f = this.folios.get(head)!
      if (f.kind === 'hugetlb') {
        if (this.r() < 0.5) {
          this.ev({ type: 'hugetlb/anonDuplicated', pid, child, vpn: run.vpn, folio: head, level: run.level })
          if (run.level === 'pud') {
            this.procs.get(child)!.set(run.vpn, { page: head, level: 'pud' })
            f.maps++
          } else this.map(child, run.vpn, head, HPAGE_PMD_NR, 'pmd')
        }
        continue // shared HugeTLB mappings are not copied at fork
      }
      const type = f.kind === 'anon' ? 'rmap/anonDuplicated' : 'rmap/fileDuplicated'
      this.ev({ type, pid, child, vpn: run.vpn, folio: head, page: run.page, nrPages: run.nr, level: run.level })
      this.map(child, run.vpn, run.page, run.nr, run.level)
    }
  }

  private pmdEntries(pid: number, kind: FolioKind): number[] {
    const p = this.procs.get(pid)!
    return [...p].filter(([, e]) => e.level === 'pmd' && this.folios.get(this.headOf(e.page))!.kind === kind).map(([v]) => v)
  }

  private remapPmd(pid: number): void {
    const anon = this.pmdEntries(pid, 'anon')
    if (anon.length === 0) return
    const v = anon[this.int(anon.length)]!
    const p = this.procs.get(pid)!
    const e = p.get(v)!
    this.ev({ type: 'pmd/remapped', pid, vpn: v, folio: e.page })
    p.delete(v)
    this.folios.get(e.page)!.maps -= 1
    this.map(pid, v, e.page, HPAGE_PMD_NR, 'pte')
  }

  private release(head: number): void {
    const f = this.folios.get(head)!
    if (f.maps > 0 || f.kind === 'hugetlb') return
    if (f.kind !== 'anon' && this.r() < 0.7) return // stays in the page cache
    this.folios.delete(head)
    this.ev({ type: 'folio/freed', folio: head })
  }

  private unmapEntry(pid: number, v: number): void {
    const p = this.procs.get(pid)!
    const e = p.get(v)!
    const head = this.headOf(e.page)
    const f = this.folios.get(head)!
    p.delete(v)
    f.maps--
    if (f.kind === 'hugetlb') this.ev({ type: 'hugetlb/rmapRemoved', pid, vpn: v, folio: head, level: e.level })
    else this.ev({ type: 'rmap/removed', pid, vpn: v, folio: head, page: e.page, nrPages: e.level === 'pmd' ? HPAGE_PMD_NR : 1, level: e.level })
    this.release(head)
  }

  private zapRange(pid: number, lo: number, hi: number): void {
    const p = this.procs.get(pid)!
    for (const run of this.runs(p, lo, hi)) {
      const head = this.headOf(run.page)
      const f = this.folios.get(head)!
      if (f.kind === 'hugetlb') {
        this.unmapEntry(pid, run.vpn)
        continue
      }
      this.ev({ type: 'rmap/removed', pid, vpn: run.vpn, folio: head, page: run.page, nrPages: run.nr, level: run.level })
      if (run.level === 'pmd') p.delete(run.vpn)
      else for (let i = 0; i < run.nr; i++) p.delete(run.vpn + i)
      f.maps -= run.level === 'pmd' ? 1 : run.nr
      this.release(head)
    }
  }

  private zap(pid: number): void {
    const p = this.procs.get(pid)!
    const keys = [...p.keys()]
    if (keys.length === 0) return
    const v = keys[this.int(keys.length)]!
    if (p.get(v)!.level === 'pmd') {
      this.unmapEntry(pid, v)
      return
    }
    const lo = v - this.int(8)
    this.zapRange(pid, lo, lo + 1 + this.int(96))
  }

  /** splitFolio - split a large anon folio that no PMD maps, to order 0 or 2 */
  private splitFolio(): void {
    const cands = [...this.folios].filter(([h, f]) => f.kind === 'anon' && f.order >= 2 && !this.pmdMapped(h))
    if (cands.length === 0) return
    const [head, f] = cands[this.int(cands.length)]!
    const newOrder = f.order === HPAGE_PMD_ORDER && this.r() < 0.7 ? 2 : 0
    this.ev({ type: 'folio/split', folio: head, newOrder })
    this.folios.delete(head)
    const n = 2 ** newOrder
    for (let h = head; h < head + 2 ** f.order; h += n) this.folios.set(h, { order: newOrder, kind: 'anon', maps: 0, hvo: false })
    for (const p of this.procs.values()) {
      for (const e of p.values()) {
        if (e.page >= head && e.page < head + 2 ** f.order) this.folios.get(this.headOf(e.page))!.maps++
      }
    }
    // unmapped pieces are freed
    for (let h = head; h < head + 2 ** f.order; h += n) this.release(h)
  }

  private pmdMapped(head: number): boolean {
    for (const p of this.procs.values()) for (const e of p.values()) if (e.level === 'pmd' && e.page === head) return true
    return false
  }

  /** migrate - unmap every entry of a mapped anon or file folio, move it, map the entries back */
  private migrate(): void {
    const cands = [...this.folios].filter(([, f]) => (f.kind === 'anon' || f.kind === 'file' || f.kind === 'shmem') && f.maps > 0)
    if (cands.length === 0) return
    const [head, f] = cands[this.int(cands.length)]!
    const n = 2 ** f.order
    const saved: { pid: number; vpn: number; page: number; level: Level }[] = []
    for (const [pid, p] of this.procs) {
      for (const [v, e] of [...p]) {
        if (e.page < head || e.page >= head + n) continue
        saved.push({ pid, vpn: v, page: e.page, level: e.level })
        this.ev({ type: 'rmap/removed', pid, vpn: v, folio: head, page: e.page, nrPages: e.level === 'pmd' ? HPAGE_PMD_NR : 1, level: e.level })
        p.delete(v)
      }
    }
    const to = Math.ceil(this.nextPfn / n) * n
    this.nextPfn = to + n
    this.ev({ type: 'folio/migrated', folio: head, newFolio: to })
    this.folios.delete(head)
    this.folios.set(to, { ...f, maps: 0 })
    for (const s of saved) {
      const page = to + (s.page - head)
      if (f.kind === 'anon') this.ev({ type: 'rmap/anonAdded', pid: s.pid, vpn: s.vpn, folio: to, page, nrPages: s.level === 'pmd' ? HPAGE_PMD_NR : 1, level: s.level, exclusive: false })
      else this.ev({ type: 'rmap/fileAdded', pid: s.pid, vpn: s.vpn, folio: to, page, nrPages: s.level === 'pmd' ? HPAGE_PMD_NR : 1, level: s.level })
      this.map(s.pid, s.vpn, page, s.level === 'pmd' ? HPAGE_PMD_NR : 1, s.level)
    }
  }

  private exclusiveFlip(): void {
    const anon = [...this.folios].filter(([, f]) => f.kind === 'anon' && f.maps > 0)
    if (anon.length === 0) return
    const [head, f] = anon[this.int(anon.length)]!
    // PageAnonExclusive of a PMD mapping lives on the head: never flip a tail of a PMD-mapped folio
    const page = this.pmdMapped(head) ? head : head + this.int(2 ** f.order)
    const type = f.maps === 1 && this.r() < 0.5 ? 'rmap/anonReused' : 'rmap/anonShared'
    this.ev({ type, folio: head, page, nrPages: 1 })
  }

  private hvoFlip(): void {
    const huge = [...this.folios].filter(([, f]) => f.kind === 'hugetlb')
    if (huge.length === 0) return
    const [head, f] = huge[this.int(huge.length)]!
    f.hvo = !f.hvo
    this.ev({ type: f.hvo ? 'hvo/optimized' : 'hvo/restored', folio: head })
  }

  private exit(pid: number): void {
    this.zapRange(pid, 0, Number.MAX_SAFE_INTEGER)
    this.procs.delete(pid)
    this.ev({ type: 'process/exited', pid })
  }
}

/** mixedEvents - @n or a few more valid events of the mixed workload @opts. */
export function mixedEvents(n: number, opts: MixedWorkloadOptions): MmEvent[] {
  const w = new MixedWorkload(opts)
  const out: MmEvent[] = []
  while (out.length < n) out.push(...w.next())
  return out
}
