/** SCHEME_CHUNK_SHIFT - a scheme chunk holds the words of 2^12 = 4096 consecutive PFNs (as the ground truth's FolioChunk). */
export const SCHEME_CHUNK_SHIFT = 12
export const SCHEME_CHUNK_PAGES = 1 << SCHEME_CHUNK_SHIFT
export const SCHEME_CHUNK_MASK = SCHEME_CHUNK_PAGES - 1

/** W - Int32 words per PFN in SchemeChunk.w (32 bytes: two PFNs per cache line) */
export const W = 8
/** word offsets in a PFN's record: per page */
export const R_MC = 0
export const R_META = 1
/** word offsets in a PFN's record: per folio, in its head page's record */
export const R_ENTIRE = 2
export const R_MAPPED = 3
export const R_LARGE = 4
export const R_MM_ID0 = 5
export const R_MM_CNT0 = 6
export const R_PAE_SET = 7

/** META bits: per page order + 1 of the covering folio (0 = none) and PageAnonExclusive; per folio (head) kind and flags */
export const META_ORD = 0x1f
export const META_PAE = 1 << 5
export const KIND_SHIFT = 6
export const KIND_MASK = 7 << KIND_SHIFT
export const FLAG_SHARED = 1 << 9
export const FLAG_DOUBLE_MAP = 1 << 10
export const FLAG_DEFERRED = 1 << 11
export const FLAG_HVO = 1 << 12

/**
 * SchemeChunk - one scheme's struct page / struct folio words of 4096 consecutive PFNs, preallocated (no
 * object per folio), as one record of {@link W} words per PFN in @w: everything an event on an order-0
 * folio reads or writes sits in one cache line. Per page: `_mapcount` (R_MC, biased, −1 when unused), META
 * (order + 1 of the covering folio, PageAnonExclusive). Per folio, in its head page's record: kind and flags
 * (in META), entire, `_nr_pages_mapped`, `_large_mapcount`, the first MM owner slot, the count of pages
 * with PageAnonExclusive; the second MM owner slot (id, count) in @mm1 (two words per PFN, allocated on
 * the first write: only v6.15 large folios mapped by two MMs touch it). Unused page slots always hold the initial values (`_mapcount` −1,
 * META 0, second MM slot (0, −1)), so a new folio only writes its head words.
 *
 * A folio bigger than a chunk (order > 12: 1 GiB HugeTLB) gets a chunk of its own with @pages page slots
 * (see SchemeState.giants).
 *
 * @epoch: the chunk belongs to the scheme state of that epoch; any other state copies it before writing.
 * @live: pages covered by a live folio (a regular chunk is dropped when it reaches 0).
 */
export class SchemeChunk {
  epoch: number
  live = 0
  readonly w: Int32Array
  mm1: Int32Array | null = null

  /** a fresh chunk of @pages page slots, or a copy of @from (for copy-on-write) */
  constructor(epoch: number, pages: number, from?: SchemeChunk) {
    this.epoch = epoch
    if (from !== undefined) {
      this.live = from.live
      this.w = from.w.slice()
      this.mm1 = from.mm1 === null ? null : from.mm1.slice()
      return
    }
    const w = new Int32Array(pages * W)
    for (let p = R_MC; p < w.length; p += W) w[p] = -1
    this.w = w
  }

  /** mm1ForWrite - the second-MM-slot words, allocated (every slot (0, −1)) on first use */
  mm1ForWrite(): Int32Array {
    if (this.mm1 !== null) return this.mm1
    const mm1 = new Int32Array((this.w.length / W) * 2)
    for (let p = 1; p < mm1.length; p += 2) mm1[p] = -1
    this.mm1 = mm1
    return mm1
  }

  /** initHead - the record at word offset @b now heads a fresh folio of KIND code @kind and @order (every counter at its initial value) */
  initHead(b: number, kind: number, order: number): void {
    const w = this.w
    w[b + R_META] = (order + 1) | (kind << KIND_SHIFT)
    w[b + R_ENTIRE] = -1
    w[b + R_MAPPED] = 0
    w[b + R_LARGE] = -1
    w[b + R_MM_ID0] = 0
    w[b + R_MM_CNT0] = -1
    w[b + R_PAE_SET] = 0
  }

  /**
   * clearPages - the records of pages [j, j + n) back to their initial values (the folio there is gone),
   * and the second MM slot of a large folio (only large folios use it; so initHead need not touch it)
   */
  clearPages(j: number, n: number): void {
    if (n > 1 && this.mm1 !== null) {
      this.mm1[2 * j] = 0
      this.mm1[2 * j + 1] = -1
    }
    const w = this.w
    for (let p = j * W, e = (j + n) * W; p < e; p += W) {
      w[p + R_MC] = -1
      w[p + R_META] = 0
    }
  }
}
