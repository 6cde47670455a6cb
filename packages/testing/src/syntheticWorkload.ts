import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, HPAGE_PUD_NR, mulberry32, PTRS_PER_PTE, type Level, type MmEvent } from '@mmsim/core'

/**
 * A generator of random *valid* event streams: a small model of processes, VMAs and mappings that only
 * emits events whose preconditions hold (property tests, and the benchmark's synthetic trace).
 * Workload: processes map anon regions (2 MiB-aligned, THP-eligible), fault in PMD THPs, mTHPs, 4K pages
 * and zero pages, fork (copying every entry the way copy_page_range batches them), COW single pages,
 * split PMDs and zap parts of them, munmap, exit in any order; folios are freed when their last mapping
 * goes, and PFNs are reused.
 */

/** Rng - a deterministic PRNG (mulberry32) so a seed names a workload. */
export const rng: (seed: number) => () => number = mulberry32

interface Entry {
  folio: number
  page: number
  level: Level
  zero: boolean
}
interface Region {
  vpn: number
  nrPages: number
}
interface ProcModel {
  regions: Region[]
  /** vpn -> entry, for PTE entries and the first vpn of PMD entries */
  map: Map<number, Entry>
  /** 2 MiB chunk vpn -> entries in it (so walks visit only populated chunks) */
  chunks: Map<number, Map<number, Entry>>
}

function put(p: ProcModel, v: number, e: Entry): void {
  const c = v - (v % HPAGE_PMD_NR)
  let m = p.chunks.get(c)
  if (m === undefined) p.chunks.set(c, (m = new Map()))
  m.set(v, e)
  p.map.set(v, e)
}

function del(p: ProcModel, v: number): void {
  if (p.map.delete(v)) {
    const c = v - (v % HPAGE_PMD_NR)
    const m = p.chunks.get(c)!
    m.delete(v)
    if (m.size === 0) p.chunks.delete(c)
  }
}

/** WorkloadOptions - knobs of the generated workload. */
export interface WorkloadOptions {
  seed: number
  /** most processes alive at once */
  maxProcs?: number
  /** 2 MiB chunks per region */
  regionChunks?: number
  cause?: string
  /** probability that an operation is a fork (default 0.1) */
  forkRate?: number
  /** probability that a fault into an empty 2 MiB chunk maps a PMD THP or the huge zero page (default 0.5) */
  pmdRate?: number
  /** probability that a PTE fault allocates an mTHP of order 2..4 (default 0.3) */
  mthpRate?: number
}

const ZERO = 0
const HUGE_ZERO = 512

/** SyntheticWorkload - call next() for each further batch of valid events. */
export class SyntheticWorkload {
  private readonly r: () => number
  private readonly procs = new Map<number, ProcModel>()
  private readonly folioRefs = new Map<number, number>()
  private readonly folioOrder = new Map<number, number>()
  private readonly free0: number[] = []
  private readonly free9: number[] = []
  private nextPfn = 2048
  private nextPid = 0
  private nextSlot = 1
  private readonly maxProcs: number
  private readonly chunks: number
  private readonly cause: string
  private readonly forkRate: number
  private readonly pmdRate: number
  private readonly mthpRate: number
  private started = false

  constructor(opts: WorkloadOptions) {
    this.r = rng(opts.seed)
    this.maxProcs = opts.maxProcs ?? 6
    this.chunks = opts.regionChunks ?? 2
    this.cause = opts.cause ?? 'synthetic'
    this.forkRate = opts.forkRate ?? 0.1
    this.pmdRate = opts.pmdRate ?? 0.5
    this.mthpRate = opts.mthpRate ?? 0.3
  }

  private int(n: number): number {
    return Math.floor(this.r() * n)
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.int(xs.length)]
  }

  private ev(out: MmEvent[], e: Record<string, unknown>): void {
    out.push({ ...e, cause: this.cause } as unknown as MmEvent)
  }

  private alloc(out: MmEvent[], order: number): number {
    let pfn: number | undefined
    if (order === 0) pfn = this.free0.pop()
    else if (order === HPAGE_PMD_ORDER) pfn = this.free9.pop()
    if (pfn === undefined) {
      const n = 2 ** order
      pfn = Math.ceil(this.nextPfn / n) * n
      this.nextPfn = pfn + n
    }
    this.folioRefs.set(pfn, 0)
    this.folioOrder.set(pfn, order)
    this.ev(out, { type: 'folio/allocated', folio: pfn, order, kind: 'anon', file: 0, index: 0 })
    return pfn
  }

  private ref(out: MmEvent[], folio: number, d: number): void {
    const n = this.folioRefs.get(folio)! + d
    this.folioRefs.set(folio, n)
    if (n === 0) {
      this.ev(out, { type: 'folio/freed', folio })
      const order = this.folioOrder.get(folio)!
      this.folioRefs.delete(folio)
      this.folioOrder.delete(folio)
      if (order === 0) this.free0.push(folio)
      else if (order === HPAGE_PMD_ORDER) this.free9.push(folio)
    }
  }

  /** next - the events of one random operation (the first call creates process 0). */
  next(): MmEvent[] {
    const out: MmEvent[] = []
    if (!this.started) {
      this.started = true
      this.ev(out, { type: 'folio/allocated', folio: ZERO, order: 0, kind: 'zero', file: 0, index: 0 })
      this.ev(out, { type: 'folio/allocated', folio: HUGE_ZERO, order: HPAGE_PMD_ORDER, kind: 'hugezero', file: 0, index: 0 })
      this.newProc(out)
      return out
    }
    const pids = [...this.procs.keys()]
    const pid = this.pick(pids)
    if (pid === undefined) {
      this.newProc(out)
      return out
    }
    const p = this.procs.get(pid)!
    let x = this.r()
    if (x < this.forkRate) {
      if (pids.length < this.maxProcs) return this.fork(out, pid), out
      x = this.r()
    }
    if (p.regions.length === 0 || (x < 0.05 && p.regions.length < 8)) this.mmap(out, pid)
    else if (x < 0.55) this.fault(out, pid)
    else if (x < 0.7) this.cow(out, pid)
    else if (x < 0.8) this.zapPart(out, pid)
    else if (x < 0.81) this.munmap(out, pid)
    else if (x < 0.81 + this.forkRate && pids.length > 1) this.exit(out, pid)
    else if (x < 0.9) this.ev(out, { type: 'check/marked', line: this.int(1000) })
    else this.fault(out, pid)
    return out
  }

  private newProc(out: MmEvent[]): void {
    const pid = this.nextPid++
    this.procs.set(pid, { regions: [], map: new Map(), chunks: new Map() })
    this.ev(out, { type: 'process/created', pid })
  }

  private mmap(out: MmEvent[], pid: number): void {
    const vpn = this.nextSlot++ * HPAGE_PUD_NR
    const nrPages = this.chunks * HPAGE_PMD_NR
    this.procs.get(pid)!.regions.push({ vpn, nrPages })
    this.ev(out, { type: 'vma/mapped', pid, vpn, nrPages, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0 })
  }

  private fault(out: MmEvent[], pid: number): void {
    const p = this.procs.get(pid)!
    const reg = this.pick(p.regions)!
    const chunk = reg.vpn + this.int(reg.nrPages / HPAGE_PMD_NR) * HPAGE_PMD_NR
    const chunkEmpty = !p.chunks.has(chunk)
    const y = this.r()
    if (chunkEmpty && y < this.pmdRate) {
      if (y < this.pmdRate / 10) {
        put(p, chunk, { folio: HUGE_ZERO, page: HUGE_ZERO, level: 'pmd', zero: true })
        this.ev(out, { type: 'zeropage/mapped', pid, vpn: chunk, folio: HUGE_ZERO, level: 'pmd' })
        return
      }
      const f = this.alloc(out, HPAGE_PMD_ORDER)
      put(p, chunk, { folio: f, page: f, level: 'pmd', zero: false })
      this.ref(out, f, 1)
      this.ev(out, { type: 'rmap/newAnonAdded', pid, vpn: chunk, folio: f, page: f, nrPages: HPAGE_PMD_NR, level: 'pmd' })
      return
    }
    if (p.map.get(chunk)?.level === 'pmd') return
    // PTE faults inside the chunk: an mTHP of order 2..4 where aligned and empty, else 4K, or a zero page
    for (let tries = 0; tries < 8; tries++) {
      const order = this.r() < this.mthpRate ? 2 + this.int(3) : 0
      const n = 2 ** order
      const v = chunk + this.int(HPAGE_PMD_NR / n) * n
      let empty = true
      for (let i = 0; i < n && empty; i++) if (p.map.has(v + i)) empty = false
      if (!empty) continue
      if (order === 0 && this.r() < 0.1) {
        put(p, v, { folio: ZERO, page: ZERO, level: 'pte', zero: true })
        this.ev(out, { type: 'zeropage/mapped', pid, vpn: v, folio: ZERO, level: 'pte' })
        return
      }
      const f = this.alloc(out, order)
      for (let i = 0; i < n; i++) put(p, v + i, { folio: f, page: f + i, level: 'pte', zero: false })
      this.ref(out, f, n)
      this.ev(out, { type: 'rmap/newAnonAdded', pid, vpn: v, folio: f, page: f, nrPages: n, level: 'pte' })
      return
    }
  }

  /** runs - the entries of @p in [lo, hi) in vpn order, PTEs batched into runs of consecutive pages of one folio. */
  private runs(p: ProcModel, lo = 0, hi = Number.MAX_SAFE_INTEGER): { vpn: number; e: Entry; nr: number }[] {
    const out: { vpn: number; e: Entry; nr: number }[] = []
    let chunks: number[]
    if ((hi - lo) / HPAGE_PMD_NR < p.chunks.size) {
      chunks = []
      for (let c = lo - (lo % HPAGE_PMD_NR); c < hi; c += HPAGE_PMD_NR) if (p.chunks.has(c)) chunks.push(c)
    } else chunks = [...p.chunks.keys()].filter((c) => c >= lo - (HPAGE_PMD_NR - 1) && c < hi).sort((a, b) => a - b)
    for (const chunk of chunks) {
      const head = p.map.get(chunk)
      if (head?.level === 'pmd') {
        if (chunk >= lo) out.push({ vpn: chunk, e: head, nr: HPAGE_PMD_NR })
        continue
      }
      const inChunk = [...p.chunks.get(chunk)!.keys()].sort((a, b) => a - b)
      for (const v of inChunk) {
        if (v < lo || v >= hi) continue
        const e = p.map.get(v)!
        const last = out[out.length - 1]
        if (!e.zero && last !== undefined && !last.e.zero && last.e.level === 'pte' && last.e.folio === e.folio &&
            last.vpn + last.nr === v && last.e.page + last.nr === e.page && v % HPAGE_PMD_NR !== 0) {
          last.nr++
        } else out.push({ vpn: v, e, nr: 1 })
      }
    }
    return out
  }

  private fork(out: MmEvent[], pid: number): void {
    const p = this.procs.get(pid)!
    const child = this.nextPid++
    this.ev(out, { type: 'process/forked', pid, child })
    const c: ProcModel = { regions: p.regions.map((r) => ({ ...r })), map: new Map(), chunks: new Map() }
    this.procs.set(child, c)
    for (const run of this.runs(p)) {
      const { e } = run
      if (e.zero) this.ev(out, { type: 'zeropage/mapped', pid: child, vpn: run.vpn, folio: e.folio, level: e.level })
      else {
        this.ev(out, { type: 'rmap/anonDuplicated', pid, child, vpn: run.vpn, folio: e.folio, page: e.page, nrPages: run.nr, level: e.level })
        this.ref(out, e.folio, e.level === 'pmd' ? 1 : run.nr)
      }
      // entries are never mutated in place, so parent and child share them
      if (e.level === 'pmd') put(c, run.vpn, e)
      else for (let i = 0; i < run.nr; i++) put(c, run.vpn + i, p.map.get(run.vpn + i)!)
    }
  }

  private splitPmd(out: MmEvent[], pid: number, chunk: number): void {
    const p = this.procs.get(pid)!
    const e = p.map.get(chunk)!
    if (e.zero) {
      this.ev(out, { type: 'zeropage/unmapped', pid, vpn: chunk, folio: HUGE_ZERO, level: 'pmd' })
      del(p, chunk)
      return
    }
    this.ev(out, { type: 'pmd/remapped', pid, vpn: chunk, folio: e.folio })
    this.ref(out, e.folio, HPAGE_PMD_NR - 1)
    for (let i = 0; i < PTRS_PER_PTE; i++) put(p, chunk + i, { folio: e.folio, page: e.folio + i, level: 'pte', zero: false })
  }

  private unmapEntry(out: MmEvent[], pid: number, v: number): void {
    const p = this.procs.get(pid)!
    const e = p.map.get(v)!
    del(p, v)
    if (e.zero) this.ev(out, { type: 'zeropage/unmapped', pid, vpn: v, folio: e.folio, level: e.level })
    else {
      this.ev(out, { type: 'rmap/removed', pid, vpn: v, folio: e.folio, page: e.page, nrPages: e.level === 'pmd' ? HPAGE_PMD_NR : 1, level: e.level })
      this.ref(out, e.folio, -1)
    }
  }

  private someEntry(p: ProcModel): number | undefined {
    if (p.map.size === 0) return undefined
    // a random mapped vpn: probe a region chunk, fall back to the first entry
    const reg = this.pick(p.regions)
    if (reg !== undefined) {
      for (let t = 0; t < 4; t++) {
        const v = reg.vpn + this.int(reg.nrPages)
        const head = v - (v % HPAGE_PMD_NR)
        if (p.map.get(head)?.level === 'pmd') return head
        if (p.map.has(v)) return v
      }
    }
    return p.map.keys().next().value
  }

  private cow(out: MmEvent[], pid: number): void {
    const p = this.procs.get(pid)!
    let v = this.someEntry(p)
    if (v === undefined) return
    if (p.map.get(v)!.level === 'pmd') {
      this.splitPmd(out, pid, v)
      v += this.int(HPAGE_PMD_NR)
      if (!p.map.has(v)) return
    }
    const e = p.map.get(v)!
    const shared = e.zero || this.folioRefs.get(e.folio)! > 1
    if (!shared) {
      if (e.level === 'pte') this.ev(out, { type: 'rmap/anonReused', folio: e.folio, page: e.page, nrPages: 1 })
      return
    }
    this.unmapEntry(out, pid, v)
    const f = this.alloc(out, 0)
    put(p, v, { folio: f, page: f, level: 'pte', zero: false })
    this.ref(out, f, 1)
    this.ev(out, { type: 'rmap/newAnonAdded', pid, vpn: v, folio: f, page: f, nrPages: 1, level: 'pte' })
  }

  private zapPart(out: MmEvent[], pid: number): void {
    const p = this.procs.get(pid)!
    const v = this.someEntry(p)
    if (v === undefined) return
    const chunk = v - (v % HPAGE_PMD_NR)
    if (p.map.get(chunk)?.level === 'pmd') this.splitPmd(out, pid, chunk)
    const start = chunk + this.int(HPAGE_PMD_NR)
    const n = 1 + this.int(64)
    for (let x = start; x < Math.min(chunk + HPAGE_PMD_NR, start + n); x++) if (p.map.has(x)) this.unmapEntry(out, pid, x)
  }

  private zapAll(out: MmEvent[], pid: number, lo: number, hi: number): void {
    const p = this.procs.get(pid)!
    for (const run of this.runs(p, lo, hi)) {
      const { e } = run
      if (e.zero) this.ev(out, { type: 'zeropage/unmapped', pid, vpn: run.vpn, folio: e.folio, level: e.level })
      else this.ev(out, { type: 'rmap/removed', pid, vpn: run.vpn, folio: e.folio, page: e.page, nrPages: run.nr, level: e.level })
      if (e.level === 'pmd') del(p, run.vpn)
      else for (let i = 0; i < run.nr; i++) del(p, run.vpn + i)
      if (!e.zero) this.ref(out, e.folio, e.level === 'pmd' ? -1 : -run.nr)
    }
  }

  private munmap(out: MmEvent[], pid: number): void {
    const p = this.procs.get(pid)!
    const i = this.int(p.regions.length)
    const reg = p.regions[i]!
    this.zapAll(out, pid, reg.vpn, reg.vpn + reg.nrPages)
    p.regions.splice(i, 1)
    this.ev(out, { type: 'vma/unmapped', pid, vpn: reg.vpn, nrPages: reg.nrPages })
  }

  private exit(out: MmEvent[], pid: number): void {
    this.zapAll(out, pid, 0, Number.MAX_SAFE_INTEGER)
    this.procs.delete(pid)
    this.ev(out, { type: 'process/exited', pid })
  }
}

/** syntheticEvents - @n or a few more valid events of the workload @opts. */
export function syntheticEvents(n: number, opts: WorkloadOptions): MmEvent[] {
  const w = new SyntheticWorkload(opts)
  const out: MmEvent[] = []
  while (out.length < n) out.push(...w.next())
  return out
}
