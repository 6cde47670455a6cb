/** SCHEME_CHUNK_SHIFT - a scheme chunk holds the words of 2^12 = 4096 consecutive PFNs (as the ground truth's FolioChunk). */
export const SCHEME_CHUNK_SHIFT = 12
export const SCHEME_CHUNK_PAGES = 1 << SCHEME_CHUNK_SHIFT
export const SCHEME_CHUNK_MASK = SCHEME_CHUNK_PAGES - 1

/** W - Int32 words per PFN in SchemeChunk.w (8 bytes: eight PFNs per cache line) */
export const W = 2
/** word offsets in a PFN's record: `_mapcount` (biased, −1 unused), META */
export const R_MC = 0
export const R_META = 1

/** META bits: per page order + 1 of the covering folio (0 = none) and PageAnonExclusive; per folio (head) kind and flags */
export const META_ORD = 0x1f
export const META_PAE = 1 << 5
export const KIND_SHIFT = 6
export const KIND_MASK = 7 << KIND_SHIFT
export const FLAG_SHARED = 1 << 9
export const FLAG_DOUBLE_MAP = 1 << 10
export const FLAG_DEFERRED = 1 << 11
export const FLAG_HVO = 1 << 12
/** META bits 13–31 of a large folio's head page: its slot in SchemeChunk.hw */
export const HW_SLOT_SHIFT = 13

/** HW - head words per large folio in SchemeChunk.hw, every one 0 when unused (biased counters hold logical − 1 + 1) */
export const HW = 8
export const H_ENTIRE = 0
export const H_MAPPED = 1
export const H_LARGE = 2
export const H_MM_ID0 = 3
export const H_MM_CNT0 = 4
export const H_MM_ID1 = 5
export const H_MM_CNT1 = 6
export const H_PAE_SET = 7

/** PRISTINE_HW - the head words every order-0 folio reads (never written: small folios have no large-folio words) */
export const PRISTINE_HW = new Int32Array(HW)

/**
 * SchemeChunk - one scheme's struct page / struct folio words of 4096 consecutive PFNs, preallocated (no
 * object per folio). @w holds a record of {@link W} words per PFN — its `_mapcount` and META (order + 1 of
 * the covering folio, PageAnonExclusive; for a folio's head page also its kind and flags) — which is all an
 * order-0 folio has. The words only large folios have (entire, `_nr_pages_mapped`, `_large_mapcount`, the
 * two MM owner slots, the count of pages with PageAnonExclusive) are {@link HW} words per live large folio
 * in @hw, a pool of slots (free ones chained through their first word, @hwFree) that grows with the chunk's
 * large folios; the head page's META holds the folio's slot. Unused records and slots always hold the
 * initial values (`_mapcount` −1, META 0, head words 0), so a new order-0 folio writes only its META.
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
  hw: Int32Array | null = null
  /** slots of @hw in use or on the free list (the next new one is hwTop), and the first free one + 1 (0 = none) */
  hwTop = 0
  hwFree = 0

  /** a fresh chunk of @pages page slots, or a copy of @from (for copy-on-write) */
  constructor(epoch: number, pages: number, from?: SchemeChunk) {
    this.epoch = epoch
    if (from !== undefined) {
      this.live = from.live
      this.w = from.w.slice()
      this.hw = from.hw === null ? null : from.hw.slice()
      this.hwTop = from.hwTop
      this.hwFree = from.hwFree
      return
    }
    const w = new Int32Array(pages * W)
    for (let p = R_MC; p < w.length; p += W) w[p] = -1
    this.w = w
  }

  /** initHead - slot @j now heads a fresh folio of KIND code @kind and @order (every counter at its initial value) */
  initHead(j: number, kind: number, order: number): void {
    this.w[j * W + R_META] = (order + 1) | (kind << KIND_SHIFT) | (order > 0 ? this.newSlot() << HW_SLOT_SHIFT : 0)
  }

  /** newSlot - a free @hw slot (all zeros) for a large folio */
  private newSlot(): number {
    if (this.hwFree !== 0) {
      const x = this.hwFree - 1
      const h = this.hw!
      this.hwFree = h[x * HW]!
      h[x * HW] = 0
      return x
    }
    const x = this.hwTop++
    if (this.hw === null || this.hw.length < this.hwTop * HW) {
      const bigger = new Int32Array(Math.max(4, this.hwTop * 2) * HW)
      if (this.hw !== null) bigger.set(this.hw)
      this.hw = bigger
    }
    return x
  }

  /** clearPages - the records of the folio of @n pages at slot @j back to their initial values (the folio is gone) */
  clearPages(j: number, n: number): void {
    const w = this.w
    if (n > 1) {
      // the folio's head words back to zeros, its slot onto the free list
      const x = w[j * W + R_META]! >>> HW_SLOT_SHIFT
      const h = this.hw!
      h.fill(0, x * HW, x * HW + HW)
      h[x * HW] = this.hwFree
      this.hwFree = x + 1
    }
    for (let p = j * W, e = (j + n) * W; p < e; p += W) {
      w[p + R_MC] = -1
      w[p + R_META] = 0
    }
  }
}
