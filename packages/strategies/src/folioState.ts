import { KIND_NAMES, type FolioKind } from '@mmsim/core'
import {
  FLAG_DEFERRED, FLAG_DOUBLE_MAP, FLAG_HVO, FLAG_SHARED, H_ENTIRE, H_LARGE, H_MAPPED, H_MM_CNT0, H_MM_CNT1, H_MM_ID0,
  H_MM_ID1, H_PAE_SET, HW, HW_SLOT_SHIFT, KIND_MASK, KIND_SHIFT, META_PAE, PRISTINE_HW, R_MC, R_META, W, type SchemeChunk,
} from './schemeChunk.ts'

/** ENTIRELY_MAPPED - v6.8+ name of v6.2's COMPOUND_MAPPED: the flag value added to `_nr_pages_mapped` by a PMD. */
export const ENTIRELY_MAPPED = 0x800000
/** FOLIO_PAGES_MAPPED - the mask of `_nr_pages_mapped` that counts PTE-mapped pages. */
export const FOLIO_PAGES_MAPPED = ENTIRELY_MAPPED - 1
/**
 * HVO_KEPT_STRUCT_PAGES - struct pages of a HugeTLB folio that stay writable under HVO: 6.18 keeps the
 * first of the 8 vmemmap pages of a 2 MiB folio (1 of 4096 for 1 GiB), i.e. 4096 / 64 = 64 struct pages.
 * Every 64th struct page reads as a "fake head" (docs/kernel-behaviour.md verified #4).
 */
const HVO_KEPT_STRUCT_PAGES = 64

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
 * Head words (accessors on the chunk's head words at @h):
 * @entire: compound_mapcount / _entire_mapcount
 * @mapped: subpages_mapcount / _nr_pages_mapped (not biased)
 * @large: _large_mapcount (v6.10+)
 * @mmId0/@mmId1, @mmCnt0/@mmCnt1, @shared: v6.15+ MM owner slots and FOLIO_MM_IDS_SHARED_BIT
 * @doubleMap: PG_double_map (≤ v6.1)
 * @deferred: on the deferred split queue (≤ v6.11) / PG_partially_mapped (v6.12+)
 * @hvo: HugeTLB vmemmap optimized
 * Per page i of the folio: its record at word `b + i * W` of `w` (see {@link pi}): `_mapcount` at R_MC
 * (`mcOf(i)`), PageAnonExclusive through {@link paeOf} / {@link setPae} / {@link clearPaeIfSet}.
 *
 * It also does the cost accounting of the event being applied (the scheme flushes it into its state's
 * integer cost rows after the event): every mapcount-family RMW is reported with {@link rmw}, plain stores
 * with {@link store}, bit-spinlock acquisitions with {@link bitLock}; each names the struct page (= cache
 * line, an index in the folio) it writes, so distinct lines per event and HVO conflicts follow. Distinct
 * lines are found with a per-line stamp of the event's generation (no interval bookkeeping).
 */
export class FolioState {
  /** the chunk holding the folio's words, its record array, and the word offset of the head page's record */
  c!: SchemeChunk
  w: Int32Array = new Int32Array(0)
  b = 0
  /** the large-folio head words (PRISTINE_HW for an order-0 folio) at offset @hb */
  private hw: Int32Array = PRISTINE_HW
  private hb = 0
  order = 0
  n = 1
  isLarge = false

  // ---- cost accounting of the current event ----
  atomics = 0
  paeBitops = 0
  cacheLines = 0
  bitLocks = 0
  hvoConflicts = 0
  /** kernel rmap calls and page→folio conversions the scheme's era makes for the event (rmapCalls.ts) */
  rmapCalls = 0
  folioLookups = 0
  /** per struct page of the folio: the generation of the last event that wrote it */
  private stamp = new Int32Array(64)
  private gen = 1
  /** the loaded folio's HVO bit, as of load time (an rmap event never changes it) */
  private hvoOn = false

  /** load - point at the folio of @order headed at slot @j of chunk @c */
  load(c: SchemeChunk, j: number, order: number): this {
    this.c = c
    const w = c.w
    this.w = w
    const b = j * W
    this.b = b
    this.order = order
    const n = 1 << order
    this.n = n
    const large = order > 0
    this.isLarge = large
    const meta = w[b + R_META]!
    this.hvoOn = (meta & FLAG_HVO) !== 0
    if (large) {
      this.hw = c.hw!
      this.hb = (meta >>> HW_SLOT_SHIFT) * HW
      if (n > this.stamp.length) this.stamp = new Int32Array(n)
    } else {
      this.hw = PRISTINE_HW
      this.hb = 0
    }
    return this
  }

  /** pi - the word offset of page @i's record (its `_mapcount` is at pi(i) + R_MC = pi(i)) */
  pi(i: number): number {
    return this.b + i * W
  }

  // ---- kind ----

  private get kindCode(): number {
    return (this.w[this.b + R_META]! & KIND_MASK) >> KIND_SHIFT
  }
  get kind(): FolioKind {
    return KIND_NAMES[this.kindCode]!
  }
  get anon(): boolean {
    return this.kindCode === KIND_ANON
  }
  get hugetlb(): boolean {
    return this.kindCode === KIND_HUGETLB
  }
  get zero(): boolean {
    const k = this.kindCode
    return k === KIND_ZERO || k === KIND_HUGEZERO
  }
  /** file or shmem */
  get fileLike(): boolean {
    const k = this.kindCode
    return k === KIND_FILE || k === KIND_SHMEM
  }

  // ---- head words ----

  // (large folios only; an order-0 folio reads the initial values; biased counters are stored + 1)
  get entire(): number {
    return this.hw[this.hb + H_ENTIRE]! - 1
  }
  set entire(v: number) {
    this.hw[this.hb + H_ENTIRE] = v + 1
  }
  get mapped(): number {
    return this.hw[this.hb + H_MAPPED]!
  }
  set mapped(v: number) {
    this.hw[this.hb + H_MAPPED] = v
  }
  get large(): number {
    return this.hw[this.hb + H_LARGE]! - 1
  }
  set large(v: number) {
    this.hw[this.hb + H_LARGE] = v + 1
  }
  get mmId0(): number {
    return this.hw[this.hb + H_MM_ID0]!
  }
  set mmId0(v: number) {
    this.hw[this.hb + H_MM_ID0] = v
  }
  get mmCnt0(): number {
    return this.hw[this.hb + H_MM_CNT0]! - 1
  }
  set mmCnt0(v: number) {
    this.hw[this.hb + H_MM_CNT0] = v + 1
  }
  get mmId1(): number {
    return this.hw[this.hb + H_MM_ID1]!
  }
  set mmId1(v: number) {
    this.hw[this.hb + H_MM_ID1] = v
  }
  get mmCnt1(): number {
    return this.hw[this.hb + H_MM_CNT1]! - 1
  }
  set mmCnt1(v: number) {
    this.hw[this.hb + H_MM_CNT1] = v + 1
  }
  /** pages with PageAnonExclusive set (lets fork skip the clear loop); an order-0 folio's is its page's bit */
  get paeSet(): number {
    return this.isLarge ? this.hw[this.hb + H_PAE_SET]! : (this.w[this.b + R_META]! & META_PAE) === 0 ? 0 : 1
  }
  set paeSet(v: number) {
    if (this.isLarge) this.hw[this.hb + H_PAE_SET] = v
  }
  get shared(): boolean {
    return (this.w[this.b + R_META]! & FLAG_SHARED) !== 0
  }
  set shared(v: boolean) {
    this.setFlag(FLAG_SHARED, v)
  }
  get doubleMap(): boolean {
    return (this.w[this.b + R_META]! & FLAG_DOUBLE_MAP) !== 0
  }
  set doubleMap(v: boolean) {
    this.setFlag(FLAG_DOUBLE_MAP, v)
  }
  get deferred(): boolean {
    return (this.w[this.b + R_META]! & FLAG_DEFERRED) !== 0
  }
  set deferred(v: boolean) {
    this.setFlag(FLAG_DEFERRED, v)
  }
  get hvo(): boolean {
    return (this.w[this.b + R_META]! & FLAG_HVO) !== 0
  }
  set hvo(v: boolean) {
    this.setFlag(FLAG_HVO, v)
  }

  private setFlag(bit: number, v: boolean): void {
    const k = this.b + R_META
    const w = this.w
    w[k] = v ? w[k]! | bit : w[k]! & ~bit
  }

  // ---- pages ----

  /** raw `_mapcount` of page @i */
  mcOf(i: number): number {
    return this.w[this.b + i * W + R_MC]!
  }

  paeOf(i: number): boolean {
    return (this.w[this.b + i * W + R_META]! & META_PAE) !== 0
  }

  /** paeBits - PageAnonExclusive of every page, as 0/1 bytes (allocates: migration) */
  paeBits(): Uint8Array {
    const out = new Uint8Array(this.n)
    for (let k = 0; k < this.n; k++) out[k] = this.paeOf(k) ? 1 : 0
    return out
  }

  /** setPaeBits - PageAnonExclusive of page k := @bits[k] for every page (no cost: split, migration) */
  setPaeBits(bits: Uint8Array): void {
    const w = this.w
    let set = 0
    for (let k = 0; k < this.n; k++) {
      const p = this.b + k * W + R_META
      if (bits[k] === 1) {
        w[p] = w[p]! | META_PAE
        set++
      } else w[p] = w[p]! & ~META_PAE
    }
    this.paeSet = set
  }

  /** fillMapcounts - every page's raw `_mapcount` := @v */
  fillMapcounts(v: number): void {
    const w = this.w
    for (let p = this.b + R_MC, e = this.b + this.n * W; p < e; p += W) w[p] = v
  }

  /** anyPageMapcount - is any page's `_mapcount` not at its initial −1? */
  anyPageMapcount(): boolean {
    const w = this.w
    for (let p = this.b + R_MC, e = this.b + this.n * W; p < e; p += W) if (w[p] !== -1) return true
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
    this.rmapCalls = 0
    this.folioLookups = 0
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
    const w = this.w
    let added = 0
    for (let p = this.b + i * W + R_META, e = p + n * W; p < e; p += W) {
      const x = w[p]!
      if ((x & META_PAE) !== 0) continue
      w[p] = x | META_PAE
      added++
    }
    if (added !== 0) this.paeSet += added
    this.paeBitops += n
    this.touchRange(i, n)
  }

  /** clearPaeIfSet - try_dup / try_share: clear_bit only on the pages of [i, i + n) that have it */
  clearPaeIfSet(i: number, n: number): void {
    if (this.paeSet === 0) return
    const w = this.w
    let cleared = 0
    for (let k = i; k < i + n; k++) {
      const p = this.b + k * W + R_META
      const x = w[p]!
      if ((x & META_PAE) === 0) continue
      w[p] = x & ~META_PAE
      cleared++
      this.paeBitops++
      this.touch(k)
    }
    if (cleared !== 0) this.paeSet -= cleared
  }
}
