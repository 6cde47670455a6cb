import {
  applyEvent, emptyState, entryAt, mmEvent, trieGet, Txn,
  type EventOf, type FolioRec, type MmEvent, type MmState, type PmdSlot, type Vma,
} from '@mmsim/core'
import type { RefusedOp } from '../live/observation.ts'
import type { KnobSettings } from '../scenario/knobSettings.ts'
import type { MappingKind } from '../scenario/statements.ts'
import { AnonVmaMap } from './anonVmaMap.ts'
import type { PageObserver } from './pageObserver.ts'
import { MmIdTracker } from './mmIdTracker.ts'
import { PageAllocator } from './pageAllocator.ts'
import { PmdShareState } from './pmdShare.ts'

/**
 * MapRec - one scenario mapping name of one process, as the simulated kernel placed it.
 * @start: first vpn of the mapping's original extent (1 GiB-aligned slot plus skew)
 * @file: file id behind it (0 for private anonymous memory; MAP_SHARED anon gets a shmem file)
 * @pgoff: file page mapped at @start
 * @hpages: base pages per page-table leaf of a HugeTLB mapping (512, 262144), else 1
 */
export interface MapRec {
  name: string
  start: number
  nrPages: number
  kind: MappingKind
  shared: boolean
  file: number
  pgoff: number
  hpages: number
}

/** Refusal - thrown by an operation the kernel refuses; the statement is recorded in `refused`. */
export class Refusal extends Error {
  constructor(readonly errno: string) {
    super(errno)
  }
}

/** PageCacheFile - a file's page cache: index -> head PFN of the folio holding it; size in pages. */
export interface PageCacheFile {
  kind: 'file' | 'shmem' | 'hugetlb'
  pages: number
  cache: Map<number, number>
}

/**
 * SimContext - the simulated kernel's whole state while a scenario runs: the ground-truth MM state
 * (an open core transaction every event is applied to as it is emitted), plus what the core state does
 * not hold and the kernel decides with: page contents (zero or not), page caches, anon_vma presence,
 * MM-ID "mapped shared" tracking, reclaimed page tables, HugeTLB pools.
 */
export class SimContext {
  tx: Txn
  readonly events: MmEvent[] = []
  cause = ''
  readonly alloc = new PageAllocator()
  readonly mmIds = new MmIdTracker()
  readonly anonVmas = new AnonVmaMap()
  /** PFNs whose contents are not all zero */
  readonly data = new Set<number>()
  readonly files = new Map<number, PageCacheFile>()
  /** per process name: mapping name -> placement */
  readonly procs = new Map<string, Map<string, MapRec>>()
  /** `pid:pmdKey` of PTE tables freed by MADV_DONTNEED's page-table reclaim (pmd_none again) */
  readonly reclaimed = new Set<string>()
  readonly refused: RefusedOp[] = []
  /** HugeTLB free pools by order: head PFNs */
  readonly pool = new Map<number, number[]>()
  /** HugeTLB pages of each order in the pool (free or in use) */
  readonly poolSize = new Map<number, number>()
  /** HugeTLB folios that are anonymous (private faults and COW copies) */
  readonly hugetlbAnon = new Set<number>()
  /** HugeTLB PMD tables shared between mms */
  readonly pmdShare = new PmdShareState()
  vmemmapDelta = 0
  zeroPfn = -1
  hugeZeroPfn = -1
  private nextFile = 1

  constructor(readonly knobs: KnobSettings, base: MmState = emptyState()) {
    this.tx = new Txn(base)
  }

  /** newFile - a fresh file id with its page cache. */
  newFile(kind: PageCacheFile['kind'], pages: number): number {
    const id = this.nextFile++
    this.files.set(id, { kind, pages, cache: new Map() })
    return id
  }

  /** observer - a mapcount scheme riding along: sees every event, answers kpagecount/pagemap at checks */
  observer: PageObserver | null = null

  /** emit - build the event @type with @payload and the current cause, apply it, record it. */
  emit<T extends MmEvent['type']>(type: T, payload: Omit<EventOf<T>, 'type' | 'cause'>): void {
    const e = mmEvent(type, payload, this.cause)
    applyEvent(this.tx, e)
    this.observer?.onEvent(e, this.tx)
    this.events.push(e)
    this.mmIds.after(this, e)
    const x = e as MmEvent
    if ((x.type === 'rmap/newAnonAdded' || x.type === 'rmap/anonAdded' || x.type === 'rmap/fileAdded') && x.level === 'pte') {
      this.reclaimed.delete(`${x.pid}:${Math.floor(x.vpn / 512)}`)
    }
  }

  /** commit - the ground-truth state so far; the context goes on with a new transaction on it. */
  commit(): MmState {
    const s = this.tx.commit()
    this.tx = new Txn(s)
    return s
  }

  /** folioAt - the live folio containing page @pfn. */
  folioAt(pfn: number): FolioRec | undefined {
    for (let o = 0; o <= 18; o++) {
      const f = this.tx.folio(pfn - (pfn % 2 ** o))
      if (f !== undefined && f.order >= o && f.pfn + 2 ** f.order > pfn) return f
    }
    return undefined
  }

  /** folio - live folio with head @pfn (must exist). */
  folio(pfn: number): FolioRec {
    const f = this.tx.folio(pfn)
    if (f === undefined) throw new Error(`model bug: folio 0x${pfn.toString(16)} is not live`)
    return f
  }

  /** entry - PFN mapped at @vpn of @pid (any level), or -1. */
  entry(pid: number, vpn: number): number {
    return entryAt(this.tx.procTables(pid), vpn)
  }

  /** pmdSlot - the PMD slot covering @vpn of @pid, if any. */
  pmdSlot(pid: number, vpn: number): PmdSlot | undefined {
    const pt = this.tx.procTables(pid)
    return pt === undefined ? undefined : trieGet(pt.pmds, Math.floor(vpn / 512))
  }

  /** pmdLeaf - the folio head a PMD leaf maps at @vpn's PMD, or -1. */
  pmdLeaf(pid: number, vpn: number): number {
    return this.pmdSlot(pid, vpn)?.huge ?? -1
  }

  /** pmdNone - the PMD covering @vpn is none: no leaf and no (unreclaimed) PTE table. */
  pmdNone(pid: number, vpn: number): boolean {
    const s = this.pmdSlot(pid, vpn)
    if (s === undefined) return true
    if (s.huge >= 0) return false
    return s.ptes === null || (s.present === 0 && this.reclaimed.has(`${pid}:${Math.floor(vpn / 512)}`))
  }

  /** vma - the VMA of @pid containing @vpn. */
  vma(pid: number, vpn: number): Vma | undefined {
    return this.tx.vmaAt(pid, vpn)
  }

  /** pageMapcount - what /proc/kpagecount says of @pfn: its PTEs plus its folio's PMD/PUD entries. */
  pageMapcount(pfn: number): number {
    const f = this.folioAt(pfn)
    if (f === undefined) return 0
    return (f.pageMaps?.[pfn - f.pfn] ?? 0) + f.entire
  }

  /** isExclusive - PageAnonExclusive of @pfn (for PMD/HugeTLB mappings: of the head). */
  isExclusive(pfn: number): boolean {
    const f = this.folioAt(pfn)
    return f?.exclusive?.[pfn - f.pfn] === 1
  }

  /** mapcount - folio_mapcount(): every entry mapping a page of @f. */
  static mapcount(f: FolioRec): number {
    return f.ptes + f.entire
  }

  /** freeIfUnused - free folio @head when nothing maps it and no page cache holds it. */
  freeIfUnused(head: number): void {
    const f = this.tx.folio(head)
    if (f === undefined || f.ptes + f.entire > 0) return
    if (f.kind === 'zero' || f.kind === 'hugezero' || f.kind === 'hugetlb') return
    if (f.kind !== 'anon' && this.inCache(f)) return
    this.emit('folio/freed', { folio: head })
    this.forgetData(head, 2 ** f.order)
  }

  /** inCache - does a page cache hold folio @f? */
  inCache(f: FolioRec): boolean {
    const file = this.files.get(f.file)
    return file !== undefined && file.cache.get(f.index) === f.pfn
  }

  /** forgetData - pages [pfn, pfn + n) no longer hold data. */
  forgetData(pfn: number, n: number): void {
    for (let i = 0; i < n; i++) this.data.delete(pfn + i)
  }

  /** allocFolio - allocate a folio of @order and @kind (page cache: of @file at @index). */
  allocFolio(order: number, kind: FolioRec['kind'], file = 0, index = 0): number {
    const pfn = this.alloc.alloc(order)
    this.emit('folio/allocated', { folio: pfn, order, kind, file, index })
    return pfn
  }

  /** prepareAnonVma - vmf_anon_prepare(): the VMA of @pid at @vpn gets an anon_vma. */
  prepareAnonVma(pid: number, vpn: number): void {
    this.anonVmas.mark(pid, vpn, this.tx.vmas(pid) ?? [], mergeableVmas)
  }

  /** mappings - the mapping table of process @proc. */
  mappings(proc: string): Map<string, MapRec> {
    let t = this.procs.get(proc)
    if (t === undefined) this.procs.set(proc, (t = new Map()))
    return t
  }

  /** map - mapping @name of @proc (the parser guarantees it exists). */
  map(proc: string, name: string): MapRec {
    const m = this.mappings(proc).get(name)
    if (m === undefined) throw new Error(`model bug: ${proc} has no mapping ${name}`)
    return m
  }
}

/** pidOf - the pid of scenario process @proc (`p3` -> 3). */
export function pidOf(proc: string): number {
  return Number(proc.slice(1))
}

/** mergeableVmas - would the kernel merge adjacent VMAs @a and @b (same flags, contiguous file offsets)? */
export function mergeableVmas(a: Vma, b: Vma): boolean {
  return a.end === b.start && a.kind === b.kind && a.shared === b.shared && a.writable === b.writable && a.thp === b.thp &&
    a.dontfork === b.dontfork && a.file === b.file && (a.kind === 'anon' || a.pgoff + (a.end - a.start) === b.pgoff)
}
