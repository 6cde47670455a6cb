import { KIND_NAMES, type FolioKind } from '@mmsim/core'
import { FLAG_DEFERRED, FLAG_DOUBLE_MAP, FLAG_HVO, FLAG_SHARED, type SchemeChunk } from './schemeChunk.ts'

/** ENTIRELY_MAPPED - v6.8+ name of v6.2's COMPOUND_MAPPED: the flag value added to `_nr_pages_mapped` by a PMD. */
export const ENTIRELY_MAPPED = 0x800000
/** FOLIO_PAGES_MAPPED - the mask of `_nr_pages_mapped` that counts PTE-mapped pages. */
export const FOLIO_PAGES_MAPPED = ENTIRELY_MAPPED - 1
/**
 * HVO_KEPT_STRUCT_PAGES - struct pages of a HugeTLB folio that stay writable under HVO: 6.18 keeps the
 * first of the 8 vmemmap pages of a 2 MiB folio (1 of 4096 for 1 GiB), i.e. 4096 / 64 = 64 struct pages.
 * Every 64th struct page reads as a "fake head" (verified-on-this-kernel.md #4).
 */
export const HVO_KEPT_STRUCT_PAGES = 64

const KIND_ANON = 0
const KIND_FILE = 1
const KIND_SHMEM = 2
const KIND_HUGETLB = 3
const KIND_ZERO = 4
const KIND_HUGEZERO = 5

/**
 * FolioState - a cursor on one folio's mapcount words in a scheme's flat state (one reusable object per
 * scheme, pointed at a folio with {@link load}; no object per folio). Every scheme uses the subset of words
 * it has; unused words stay at their initial values. Biased counters hold logical − 1.
 * Head words (accessors on the chunk's head slot @j):
 * @entire: compound_mapcount / _entire_mapcount
 * @mapped: subpages_mapcount / _nr_pages_mapped (not biased)
 * @large: _large_mapcount (v6.10+)
 * @mmId0/@mmId1, @mmCnt0/@mmCnt1, @shared: v6.15+ MM owner slots and FOLIO_MM_IDS_SHARED_BIT
 * @doubleMap: PG_double_map (≤ v6.1)
 * @deferred: on the deferred split queue (≤ v6.11) / PG_partially_mapped (v6.12+)
 * @hvo: HugeTLB vmemmap optimized
 * Per page i of the folio: `mc[j + i]` (page[i]._mapcount) and `pae[j + i]` (PageAnonExclusive).
 *
 * It also does the cost accounting of the event being applied (the scheme flushes it into its state's
 * integer cost rows after the event): every mapcount-family RMW is reported with {@link rmw}, plain stores
 * with {@link store}, bit-spinlock acquisitions with {@link bitLock}; each names the struct page (= cache
 * line, an index in the folio) it writes, so distinct lines per event and HVO conflicts follow. Distinct
 * lines are found with a per-line stamp of the event's generation (no interval bookkeeping).
 */
export class FolioState {
  /** the chunk holding the folio's words, and the folio's head slot in it (page i at slot j + i) */
  c!: SchemeChunk
  j = 0
  /** the chunk's per-page arrays (`mc[j + i]`, `pae[j + i]`) */
  mc: Int32Array = new Int32Array(0)
  pae: Uint8Array = new Uint8Array(0)
  order = 0
  n = 1
  kind: FolioKind = 'anon'
  anon = false
  hugetlb = false
  zero = false
  isLarge = false
  /** file or shmem */
  fileLike = false

  // ---- cost accounting of the current event ----
  atomics = 0
  paeBitops = 0
  cacheLines = 0
  bitLocks = 0
  hvoConflicts = 0
  /** per struct page of the folio: the generation of the last event that wrote it */
  private stamp = new Int32Array(64)
  private gen = 1
  /** the loaded folio's HVO bit, as of load time (an rmap event never changes it) */
  private hvoOn = false

  /** load - point at the folio of @order headed at slot @j of chunk @c */
  load(c: SchemeChunk, j: number, order: number): this {
    this.c = c
    this.j = j
    this.mc = c.mc
    this.pae = c.pae
    this.order = order
    const n = 2 ** order
    this.n = n
    const k = c.kind[j]!
    this.kind = KIND_NAMES[k]!
    this.anon = k === KIND_ANON
    this.hugetlb = k === KIND_HUGETLB
    this.zero = k === KIND_ZERO || k === KIND_HUGEZERO
    this.fileLike = k === KIND_FILE || k === KIND_SHMEM
    this.isLarge = order > 0
    this.hvoOn = (c.flags[j]! & FLAG_HVO) !== 0
    if (n > this.stamp.length) this.stamp = new Int32Array(n)
    return this
  }

  // ---- head words ----

  get entire(): number {
    return this.c.entire[this.j]!
  }
  set entire(v: number) {
    this.c.entire[this.j] = v
  }
  get mapped(): number {
    return this.c.mapped[this.j]!
  }
  set mapped(v: number) {
    this.c.mapped[this.j] = v
  }
  get large(): number {
    return this.c.large[this.j]!
  }
  set large(v: number) {
    this.c.large[this.j] = v
  }
  get mmId0(): number {
    return this.c.mmId0[this.j]!
  }
  set mmId0(v: number) {
    this.c.mmId0[this.j] = v
  }
  get mmId1(): number {
    return this.c.mmId1[this.j]!
  }
  set mmId1(v: number) {
    this.c.mmId1[this.j] = v
  }
  get mmCnt0(): number {
    return this.c.mmCnt0[this.j]!
  }
  set mmCnt0(v: number) {
    this.c.mmCnt0[this.j] = v
  }
  get mmCnt1(): number {
    return this.c.mmCnt1[this.j]!
  }
  set mmCnt1(v: number) {
    this.c.mmCnt1[this.j] = v
  }
  /** pages with PageAnonExclusive set (lets fork skip the clear loop) */
  get paeSet(): number {
    return this.c.paeSet[this.j]!
  }
  set paeSet(v: number) {
    this.c.paeSet[this.j] = v
  }
  get shared(): boolean {
    return (this.c.flags[this.j]! & FLAG_SHARED) !== 0
  }
  set shared(v: boolean) {
    this.setFlag(FLAG_SHARED, v)
  }
  get doubleMap(): boolean {
    return (this.c.flags[this.j]! & FLAG_DOUBLE_MAP) !== 0
  }
  set doubleMap(v: boolean) {
    this.setFlag(FLAG_DOUBLE_MAP, v)
  }
  get deferred(): boolean {
    return (this.c.flags[this.j]! & FLAG_DEFERRED) !== 0
  }
  set deferred(v: boolean) {
    this.setFlag(FLAG_DEFERRED, v)
  }
  get hvo(): boolean {
    return (this.c.flags[this.j]! & FLAG_HVO) !== 0
  }
  set hvo(v: boolean) {
    this.setFlag(FLAG_HVO, v)
  }

  private setFlag(bit: number, v: boolean): void {
    const f = this.c.flags
    f[this.j] = v ? f[this.j]! | bit : f[this.j]! & ~bit
  }

  // ---- pages ----

  /** raw `_mapcount` of page @i */
  mcOf(i: number): number {
    return this.mc[this.j + i]!
  }

  paeOf(i: number): boolean {
    return this.pae[this.j + i] === 1
  }

  /** anyPageMapcount - is any page's `_mapcount` not at its initial −1? */
  anyPageMapcount(): boolean {
    const mc = this.mc
    for (let k = this.j; k < this.j + this.n; k++) if (mc[k] !== -1) return true
    return false
  }

  // ---- cost accounting ----

  /** begin - a new event: its counters start at 0 and no struct page is written yet */
  begin(): void {
    this.atomics = 0
    this.paeBitops = 0
    this.cacheLines = 0
    this.bitLocks = 0
    this.hvoConflicts = 0
    if (++this.gen === 0x7fffffff) {
      this.stamp.fill(0)
      this.gen = 1
    }
  }

  /** touch - struct page @line of the folio is written */
  touch(line: number): void {
    const st = this.stamp
    if (st[line] === this.gen) return
    st[line] = this.gen
    this.cacheLines++
    if (this.hvoOn && line >= HVO_KEPT_STRUCT_PAGES) this.hvoConflicts++
  }

  /** touchRange - struct pages [i, i + n) are written: count the ones not yet written by this event */
  touchRange(i: number, n: number): void {
    const st = this.stamp
    const g = this.gen
    let fresh = 0
    let hvo = 0
    for (let k = i; k < i + n; k++) {
      if (st[k] === g) continue
      st[k] = g
      fresh++
      if (k >= HVO_KEPT_STRUCT_PAGES) hvo++
    }
    this.cacheLines += fresh
    if (this.hvoOn) this.hvoConflicts += hvo
  }

  /** rmw - one mapcount-family atomic read-modify-write on a word of struct page @line */
  rmw(line: number): void {
    this.atomics++
    this.touch(line)
  }

  /** rmwRange - one RMW on a word of each struct page [i, i + n) (the per-page `_mapcount` loops) */
  rmwRange(i: number, n: number): void {
    this.atomics += n
    this.touchRange(i, n)
  }

  /** store - a plain store (atomic_set / WRITE_ONCE) to a word of struct page @line */
  store(line: number): void {
    this.touch(line)
  }

  /** bitLock - the v6.15 `_mm_ids` bit-spinlock on page[1]: one RMW to take it, a release store to drop it */
  bitLock(): void {
    this.atomics++
    this.bitLocks++
    this.touch(1)
  }

  /** setPae - SetPageAnonExclusive on pages [i, i + n): one set_bit each */
  setPae(i: number, n: number): void {
    const a = this.pae
    const o = this.j
    let added = 0
    for (let k = o + i; k < o + i + n; k++) {
      added += 1 - a[k]!
      a[k] = 1
    }
    if (added !== 0) this.paeSet += added
    this.paeBitops += n
    this.touchRange(i, n)
  }

  /** clearPaeIfSet - try_dup / try_share: clear_bit only on the pages of [i, i + n) that have it */
  clearPaeIfSet(i: number, n: number): void {
    if (this.paeSet === 0) return
    const a = this.pae
    const o = this.j
    let cleared = 0
    for (let k = i; k < i + n; k++) {
      if (a[o + k] !== 1) continue
      a[o + k] = 0
      cleared++
      this.paeBitops++
      this.touch(k)
    }
    if (cleared !== 0) this.paeSet -= cleared
  }
}
