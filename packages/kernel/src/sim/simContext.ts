import {
  CHUNK_PAGES, HPAGE_PMD_NR, KIND, mmEvent, PTRS_PER_PTE, truthFolioRec, TruthState,
  type EventOf, type FolioKind, type FolioRec, type MmEvent, type TruthProcTables, type Vma,
} from '@mmsim/core'
import type { RefusedOp } from '../live/observation.ts'
import type { KnobSettings } from '../scenario/knobSettings.ts'
import type { MappingKind } from '../scenario/statements.ts'
import { AnonVmaMap } from './anonVmaMap.ts'
import { CleanPteWrites } from './cleanPteWrites.ts'
import { HugetlbVmaCuts } from './hugetlbVmaCuts.ts'
import type { PageObserver } from './pageObserver.ts'
import { MmIdTracker } from './mmIdTracker.ts'
import { PageAllocator } from './pageAllocator.ts'
import { PfnBits } from './pfnBits.ts'
import { extraRefs } from './pins.ts'
import { PmdShareState } from './pmdShare.ts'

const MASK = CHUNK_PAGES - 1
/** folio kind codes of the flat truth's chunks (FolioChunk.kind) */
export const K_ANON = KIND.anon
export const K_FILE = KIND.file
export const K_SHMEM = KIND.shmem
export const K_HUGETLB = KIND.hugetlb
export const K_ZERO = KIND.zero
export const K_HUGEZERO = KIND.hugezero

/**
 * MapRec - one scenario mapping name of one process, as the simulated kernel placed it.
 * @start: first vpn of the mapping's original extent (1 GiB-aligned slot plus skew)
 * @file: file id behind it (0 for private anonymous memory; MAP_SHARED anon gets a shmem file)
 * @pgoff: file page mapped at @start
 * @hpages: base pages per page-table leaf of a HugeTLB mapping (512, 262144), else 1
 * @anonShared: `anon shared` (its shmem file has no name: no alias can reach it, contract v1.1 item 10)
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
  anonShared: boolean
}

/** Refusal - thrown by an operation the kernel refuses; the statement is recorded in `refused`. */
export class Refusal extends Error {
  constructor(readonly errno: string) {
    super(errno)
  }
}

/**
 * NotModelled - the scenario reaches a behaviour the simulator does not model (scenario contract v1.1
 * item 10): rather than print an observation it knows may be wrong, the run stops with
 * `file:line: not modelled: what` (the CLI exits 2; the corpus and kernel harnesses skip it with the reason).
 * @where: `file:line` of the statement that reached it
 * @what: what is not modelled, in kernel terms
 */
export class NotModelled extends Error {
  /** userMessage - the one-line form the CLI prints (see cli/src/runMain.ts). */
  readonly userMessage: string
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(`${where}: not modelled: ${what}`)
    this.name = 'NotModelled'
    this.userMessage = this.message
  }
}

/**
 * notModelled - refuse a behaviour the simulator does not model: throws {@link NotModelled} naming the
 * statement being run. Every call site is listed in the simulator README ("Refusals").
 * @at: the statement (`file` is taken from @file) or the context (its `cause` is `file:line` while a
 *   statement runs)
 * @what: what is not modelled
 */
export function notModelled(at: { cause: string } | { line: number }, what: string, file = ''): never {
  throw new NotModelled('cause' in at ? at.cause : `${file}:${at.line}`, what)
}

/** PageCacheFile - a file's page cache: index -> head PFN of the folio holding it; size in pages. */
export interface PageCacheFile {
  kind: 'file' | 'shmem' | 'hugetlb'
  pages: number
  cache: Map<number, number>
}

/**
 * EventSink - where the simulated kernel hands every event as it is emitted, after the ground truth applied
 * it. The event object may be a scratch object reused for the next event of its type: copy it to keep it.
 */
export type EventSink = (e: MmEvent) => void

/**
 * ReclaimedTables - PTE tables freed by MADV_DONTNEED's page-table reclaim (pmd_none again), per process by
 * PMD index; a PTE-level rmap add there makes the table live again.
 */
export class ReclaimedTables {
  private readonly byPid = new Map<number, Set<number>>()
  /** tables held, over every process */
  size = 0

  has(pid: number, k: number): boolean {
    return this.size > 0 && this.byPid.get(pid)?.has(k) === true
  }

  add(pid: number, k: number): void {
    let s = this.byPid.get(pid)
    if (s === undefined) this.byPid.set(pid, (s = new Set()))
    if (!s.has(k)) {
      s.add(k)
      this.size++
    }
  }

  delete(pid: number, k: number): void {
    if (this.size === 0) return
    const s = this.byPid.get(pid)
    if (s !== undefined && s.delete(k)) this.size--
  }
}

type Ev<T extends MmEvent['type']> = { -readonly [K in keyof EventOf<T>]: EventOf<T>[K] }
type PteRmapType = 'rmap/newAnonAdded' | 'rmap/removed'
type DupType = 'rmap/anonDuplicated' | 'rmap/fileDuplicated'
type ZeroType = 'zeropage/mapped' | 'zeropage/unmapped'
type Level = 'pte' | 'pmd' | 'pud'

/**
 * SimContext - the simulated kernel's whole state while a scenario runs: the ground-truth MM state
 * (a flat {@link TruthState} every event is applied to as it is emitted, then handed to the {@link sink}),
 * plus what the ground truth does not hold and the kernel decides with: page contents (zero or not), page
 * caches, anon_vma presence, MM-ID "mapped shared" tracking, reclaimed page tables, HugeTLB pools.
 *
 * The hot paths (faults, COW, fork's PTE copy, zap) emit through the typed emitters ({@link emitAlloc},
 * {@link emitPteRmap}, ...) that fill one scratch event per type, and read the truth through the numeric
 * accessors ({@link entry}, {@link headOf}, {@link kindOf}, {@link mapcountOf}, ...): nothing is allocated
 * per page. The FolioRec accessors ({@link folio}, {@link folioAt}) build a record per call (cold paths).
 */
export class SimContext {
  readonly truth = new TruthState()
  /** where events go after the truth applied them (null: nowhere) */
  sink: EventSink | null = null
  /** events emitted so far */
  emitted = 0
  cause = ''
  readonly alloc = new PageAllocator()
  readonly mmIds = new MmIdTracker()
  readonly anonVmas = new AnonVmaMap()
  /** where HugeTLB VMAs were split (they never merge again) */
  readonly hugetlbCuts = new HugetlbVmaCuts()
  /** PFNs whose contents are not all zero */
  readonly data = new PfnBits()
  /** shmem pages written only through already-writable entries: dirty PTEs, clean folio (cleanPteWrites.ts) */
  readonly cleanWrites = new CleanPteWrites()
  /**
   * pages of shmem folios marked dirty with nothing written (folio_mark_dirty() of a hole punch's partial
   * folio in shmem_undo_range(), of collapse_file()'s new folio): smaps counts them dirty, reclaim keeps them;
   * every page of the folio carries the mark, so the folios a split makes of it stay dirty (PG_dirty is copied)
   */
  readonly markedDirty = new PfnBits()
  readonly files = new Map<number, PageCacheFile>()
  /** per process name: mapping name -> placement */
  readonly procs = new Map<string, Map<string, MapRec>>()
  /** PTE tables freed by MADV_DONTNEED's page-table reclaim (pmd_none again) */
  readonly reclaimed = new ReclaimedTables()
  readonly refused: RefusedOp[] = []
  /** HugeTLB free pools by order: head PFNs */
  readonly pool = new Map<number, number[]>()
  /** HugeTLB pages of each order in the pool (free or in use) */
  readonly poolSize = new Map<number, number>()
  /** HugeTLB folios that are anonymous (private faults and COW copies) */
  readonly hugetlbAnon = new Set<number>()
  /** HugeTLB PMD tables shared between mms */
  readonly pmdShare = new PmdShareState()
  /** anonAllowableOrders() by VMA THP advice (the knobs are fixed for a run) */
  readonly anonOrders = new Map<string, number[]>()
  vmemmapDelta = 0
  zeroPfn = -1
  hugeZeroPfn = -1
  private nextFile = 1

  private readonly sAlloc: Ev<'folio/allocated'> = { type: 'folio/allocated', folio: 0, order: 0, kind: 'anon', file: 0, index: 0, cause: '' }
  private readonly sFreed: Ev<'folio/freed'> = { type: 'folio/freed', folio: 0, cause: '' }
  private readonly sNewAnon: Ev<'rmap/newAnonAdded'> = { type: 'rmap/newAnonAdded', pid: 0, vpn: 0, folio: 0, page: 0, nrPages: 0, level: 'pte', cause: '' }
  private readonly sRemoved: Ev<'rmap/removed'> = { type: 'rmap/removed', pid: 0, vpn: 0, folio: 0, page: 0, nrPages: 0, level: 'pte', cause: '' }
  private readonly sAnonDup: Ev<'rmap/anonDuplicated'> = { type: 'rmap/anonDuplicated', pid: 0, child: 0, vpn: 0, folio: 0, page: 0, nrPages: 0, level: 'pte', cause: '' }
  private readonly sFileDup: Ev<'rmap/fileDuplicated'> = { type: 'rmap/fileDuplicated', pid: 0, child: 0, vpn: 0, folio: 0, page: 0, nrPages: 0, level: 'pte', cause: '' }
  private readonly sZeroMapped: Ev<'zeropage/mapped'> = { type: 'zeropage/mapped', pid: 0, vpn: 0, folio: 0, level: 'pte', cause: '' }
  private readonly sZeroUnmapped: Ev<'zeropage/unmapped'> = { type: 'zeropage/unmapped', pid: 0, vpn: 0, folio: 0, level: 'pte', cause: '' }
  private readonly sReused: Ev<'rmap/anonReused'> = { type: 'rmap/anonReused', folio: 0, page: 0, nrPages: 0, cause: '' }

  constructor(readonly knobs: KnobSettings) {}

  /** newFile - a fresh file id with its page cache. */
  newFile(kind: PageCacheFile['kind'], pages: number): number {
    const id = this.nextFile++
    this.files.set(id, { kind, pages, cache: new Map() })
    return id
  }

  /** observer - a mapcount scheme riding along: sees every event, answers kpagecount/pagemap at checks */
  observer: PageObserver | null = null

  /** emit - build the event @type with @payload and the current cause, apply it, hand it on (allocates: cold paths). */
  emit<T extends MmEvent['type']>(type: T, payload: Omit<EventOf<T>, 'type' | 'cause'>): void {
    this.dispatch(mmEvent(type, payload, this.cause))
  }

  private dispatch(e: MmEvent): void {
    this.truth.apply(e)
    this.observer?.onEvent(e, this.truth)
    this.sink?.(e)
    this.emitted++
    this.mmIds.after(this, e)
    this.cleanWrites.onEvent(e)
    if (this.reclaimed.size > 0 && (e.type === 'rmap/newAnonAdded' || e.type === 'rmap/anonAdded' || e.type === 'rmap/fileAdded') && e.level === 'pte') {
      this.reclaimed.delete(e.pid, Math.floor(e.vpn / HPAGE_PMD_NR))
    }
  }

  /** emitAlloc - `folio/allocated` of @folio (order, kind, page-cache place), through its scratch event. */
  emitAlloc(folio: number, order: number, kind: FolioKind, file: number, index: number): void {
    const e = this.sAlloc
    e.folio = folio
    e.order = order
    e.kind = kind
    e.file = file
    e.index = index
    e.cause = this.cause
    this.dispatch(e)
  }

  /** emitFreed - `folio/freed` of @folio. */
  emitFreed(folio: number): void {
    const e = this.sFreed
    e.folio = folio
    e.cause = this.cause
    this.dispatch(e)
  }

  /** emitPteRmap - `rmap/newAnonAdded` or `rmap/removed` of [page, page + nrPages) of @folio at @vpn of @pid. */
  emitPteRmap(type: PteRmapType, pid: number, vpn: number, folio: number, page: number, nrPages: number, level: Level): void {
    const e = type === 'rmap/removed' ? this.sRemoved : this.sNewAnon
    e.pid = pid
    e.vpn = vpn
    e.folio = folio
    e.page = page
    e.nrPages = nrPages
    e.level = level
    e.cause = this.cause
    this.dispatch(e)
  }

  /** emitDup - fork's `rmap/anonDuplicated` / `rmap/fileDuplicated` of [page, page + nrPages) from @pid to @child. */
  emitDup(type: DupType, pid: number, child: number, vpn: number, folio: number, page: number, nrPages: number, level: Level): void {
    const e = type === 'rmap/anonDuplicated' ? this.sAnonDup : this.sFileDup
    e.pid = pid
    e.child = child
    e.vpn = vpn
    e.folio = folio
    e.page = page
    e.nrPages = nrPages
    e.level = level
    e.cause = this.cause
    this.dispatch(e)
  }

  /** emitZero - `zeropage/mapped` / `zeropage/unmapped` of zero folio @folio at @vpn of @pid. */
  emitZero(type: ZeroType, pid: number, vpn: number, folio: number, level: Level): void {
    const e = type === 'zeropage/mapped' ? this.sZeroMapped : this.sZeroUnmapped
    e.pid = pid
    e.vpn = vpn
    e.folio = folio
    e.level = level
    e.cause = this.cause
    this.dispatch(e)
  }

  /** emitReused - `rmap/anonReused` of [page, page + nrPages) of @folio. */
  emitReused(folio: number, page: number, nrPages: number): void {
    const e = this.sReused
    e.folio = folio
    e.page = page
    e.nrPages = nrPages
    e.cause = this.cause
    this.dispatch(e)
  }

  // ---- the ground truth, numerically (no allocation) ----

  /** headOf - head PFN of the live folio containing page @pfn, or -1. */
  headOf(pfn: number): number {
    return this.truth.folios.headOf(pfn)
  }

  /** orderOf - order of live folio @head. */
  orderOf(head: number): number {
    return this.truth.folios.orderAt(head)
  }

  /** kindOf - kind code (K_ANON, ...) of live folio @head. */
  kindOf(head: number): number {
    return this.truth.folios.chunk(head)!.kind[head & MASK]!
  }

  /** mapcountOf - folio_mapcount() of live folio @head: its PTEs, HGM PMDs and PMD/PUD entries. */
  mapcountOf(head: number): number {
    const c = this.truth.folios.chunk(head)!
    const j = head & MASK
    return c.ptes[j]! + c.entire[j]! + c.hgmPmdsAt(j)
  }

  /** tables - @pid's page tables (read-only), if it has any. */
  tables(pid: number): TruthProcTables | undefined {
    return this.truth.procTables(pid)
  }

  /** pteTable - @pid's PTE table covering @vpn ([0, 512) PTEs as pfn + 1, [512] present PTEs), if any. */
  pteTable(pid: number, vpn: number): Int32Array | undefined {
    return this.truth.procTables(pid)?.table(Math.floor(vpn / HPAGE_PMD_NR))
  }

  /** folioAt - the live folio containing page @pfn, as a record (allocates). */
  folioAt(pfn: number): FolioRec | undefined {
    const h = this.headOf(pfn)
    return h < 0 ? undefined : truthFolioRec(this.truth, h)
  }

  /** folio - live folio with head @pfn (must exist), as a record (allocates). */
  folio(pfn: number): FolioRec {
    const f = truthFolioRec(this.truth, pfn)
    if (f === undefined) throw new Error(`model bug: folio 0x${pfn.toString(16)} is not live`)
    return f
  }

  /** entry - PFN mapped at @vpn of @pid (any level), or -1. */
  entry(pid: number, vpn: number): number {
    const pt = this.truth.procTables(pid)
    return pt === undefined ? -1 : pt.entryAt(vpn)
  }

  /** pmdLeaf - the folio head a PMD leaf maps at @vpn's PMD, or -1. */
  pmdLeaf(pid: number, vpn: number): number {
    return this.truth.procTables(pid)?.pmdLeaf(Math.floor(vpn / HPAGE_PMD_NR)) ?? -1
  }

  /** pmdNone - the PMD covering @vpn is none: no leaf and no (unreclaimed) PTE table. */
  pmdNone(pid: number, vpn: number): boolean {
    const pt = this.truth.procTables(pid)
    if (pt === undefined) return true
    const k = Math.floor(vpn / HPAGE_PMD_NR)
    if (pt.pmdLeaf(k) !== undefined) return false
    const t = pt.table(k)
    return t === undefined || (t[PTRS_PER_PTE] === 0 && this.reclaimed.has(pid, k))
  }

  /** vma - the VMA of @pid containing @vpn. */
  vma(pid: number, vpn: number): Vma | undefined {
    return this.truth.vmaAt(pid, vpn)
  }

  /** vmas - the VMAs of @pid sorted by start (none when @pid is not live). */
  vmas(pid: number): readonly Vma[] {
    return this.truth.vmas(pid) ?? []
  }

  /** pageMapcount - what /proc/kpagecount says of @pfn: its PTEs plus its folio's PMD/PUD entries. */
  pageMapcount(pfn: number): number {
    const h = this.headOf(pfn)
    if (h < 0) return 0
    return this.truth.folios.chunk(pfn)!.maps[pfn & MASK]! + this.truth.folios.chunk(h)!.entire[h & MASK]!
  }

  /** isExclusive - PageAnonExclusive of @pfn (for PMD/HugeTLB mappings: of the head). */
  isExclusive(pfn: number): boolean {
    if (this.headOf(pfn) < 0) return false
    return this.truth.folios.chunk(pfn)!.excl[pfn & MASK] === 1
  }

  /** mapcount - folio_mapcount(): every entry mapping a page of @f. */
  static mapcount(f: FolioRec): number {
    return f.ptes + f.entire + f.hgmPmds
  }

  /** freeIfUnused - free folio @head when nothing maps it, no page cache holds it and no pin references it. */
  freeIfUnused(head: number): void {
    const order = this.truth.folios.headOrder(head)
    if (order < 0) return
    const c = this.truth.folios.chunk(head)!
    const j = head & MASK
    if (c.ptes[j]! + c.entire[j]! > 0) return
    const kind = c.kind[j]!
    if (kind === K_ZERO || kind === K_HUGEZERO || kind === K_HUGETLB) return
    if (kind !== K_ANON && this.cachedAt(c.file[j]!, c.index[j]!) === head) return
    if (extraRefs(this, head) > 0) return // a pin keeps it allocated (pins.ts); freed when the last one goes
    this.emitFreed(head)
    this.forgetData(head, 2 ** order)
  }

  /** inCache - does a page cache hold folio @f? */
  inCache(f: FolioRec): boolean {
    return this.cachedAt(f.file, f.index) === f.pfn
  }

  private cachedAt(file: number, index: number): number {
    return this.files.get(file)?.cache.get(index) ?? -1
  }

  /** markDirty - folio_mark_dirty() of shmem folio @head (@see markedDirty). */
  markDirty(head: number): void {
    for (let i = 0; i < 2 ** this.folio(head).order; i++) this.markedDirty.add(head + i)
  }

  /** forgetData - pages [pfn, pfn + n) no longer hold data (nor a dirty mark). */
  forgetData(pfn: number, n: number): void {
    this.data.deleteRange(pfn, n)
    this.cleanWrites.pages.deleteRange(pfn, n)
    this.markedDirty.deleteRange(pfn, n)
  }

  /** allocFolio - allocate a folio of @order and @kind (page cache: of @file at @index). */
  allocFolio(order: number, kind: FolioKind, file = 0, index = 0): number {
    const pfn = this.alloc.alloc(order)
    this.emitAlloc(pfn, order, kind, file, index)
    return pfn
  }

  /** prepareAnonVma - vmf_anon_prepare(): the VMA of @pid at @vpn gets an anon_vma. */
  prepareAnonVma(pid: number, vpn: number): void {
    if (this.anonVmas.has(pid, vpn)) return
    this.anonVmas.mark(pid, vpn, this.vmas(pid), mergeableVmas)
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
