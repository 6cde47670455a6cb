/** SCHEME_CHUNK_SHIFT - a scheme chunk holds the words of 2^12 = 4096 consecutive PFNs (as the ground truth's FolioChunk). */
export const SCHEME_CHUNK_SHIFT = 12
export const SCHEME_CHUNK_PAGES = 1 << SCHEME_CHUNK_SHIFT
export const SCHEME_CHUNK_MASK = SCHEME_CHUNK_PAGES - 1

/** folio flag bits (SchemeChunk.flags) */
export const FLAG_SHARED = 1
export const FLAG_DOUBLE_MAP = 2
export const FLAG_DEFERRED = 4
export const FLAG_HVO = 8

/**
 * SchemeChunk - one scheme's struct page / struct folio words of 4096 consecutive PFNs as parallel typed
 * arrays, preallocated (no object per folio). Per page: @mc (`_mapcount`, biased, −1 when unused), @pae
 * (PageAnonExclusive), @ord (order + 1 of the live folio covering the page, 0 = none). Per folio, at its
 * head page's slot: @kind (KIND code), @flags (FLAG_*), @entire, @mapped, @large, the MM owner slots
 * @mmId0/@mmId1/@mmCnt0/@mmCnt1 and @paeSet (pages with PageAnonExclusive set). Unused page slots always
 * hold the initial values (`_mapcount` −1, PAE 0), so a new folio only writes its head slot.
 *
 * A folio bigger than a chunk (order > 12: 1 GiB HugeTLB) gets a chunk of its own with @pages page slots
 * and one head slot (see SchemeState.giants).
 *
 * @epoch: the chunk belongs to the scheme state of that epoch; any other state copies it before writing.
 * @live: pages covered by a live folio (a regular chunk is dropped when it reaches 0).
 */
export class SchemeChunk {
  epoch: number
  live = 0
  readonly mc: Int32Array
  readonly pae: Uint8Array
  readonly ord: Uint8Array
  readonly kind: Uint8Array
  readonly flags: Uint8Array
  readonly entire: Int32Array
  readonly mapped: Int32Array
  readonly large: Int32Array
  readonly mmId0: Int32Array
  readonly mmId1: Int32Array
  readonly mmCnt0: Int32Array
  readonly mmCnt1: Int32Array
  readonly paeSet: Int32Array

  /** a fresh chunk of @pages page slots and @heads head slots, or a copy of @from (for copy-on-write) */
  constructor(epoch: number, pages: number, heads: number, from?: SchemeChunk) {
    this.epoch = epoch
    if (from !== undefined) {
      this.live = from.live
      this.mc = from.mc.slice()
      this.pae = from.pae.slice()
      this.ord = from.ord.slice()
      this.kind = from.kind.slice()
      this.flags = from.flags.slice()
      this.entire = from.entire.slice()
      this.mapped = from.mapped.slice()
      this.large = from.large.slice()
      this.mmId0 = from.mmId0.slice()
      this.mmId1 = from.mmId1.slice()
      this.mmCnt0 = from.mmCnt0.slice()
      this.mmCnt1 = from.mmCnt1.slice()
      this.paeSet = from.paeSet.slice()
      return
    }
    this.mc = new Int32Array(pages).fill(-1)
    this.pae = new Uint8Array(pages)
    this.ord = new Uint8Array(heads)
    this.kind = new Uint8Array(heads)
    this.flags = new Uint8Array(heads)
    this.entire = new Int32Array(heads)
    this.mapped = new Int32Array(heads)
    this.large = new Int32Array(heads)
    this.mmId0 = new Int32Array(heads)
    this.mmId1 = new Int32Array(heads)
    this.mmCnt0 = new Int32Array(heads)
    this.mmCnt1 = new Int32Array(heads)
    this.paeSet = new Int32Array(heads)
  }

  /** initHead - head slot @j now starts a fresh folio of KIND code @kind (every counter at its initial value) */
  initHead(j: number, kind: number): void {
    this.kind[j] = kind
    this.flags[j] = 0
    this.entire[j] = -1
    this.mapped[j] = 0
    this.large[j] = -1
    this.mmId0[j] = 0
    this.mmId1[j] = 0
    this.mmCnt0[j] = -1
    this.mmCnt1[j] = -1
    this.paeSet[j] = 0
  }

  /** clearPages - page slots [j, j + n) back to their initial values (the folio there is gone) */
  clearPages(j: number, n: number, paeSet: number): void {
    if (n === 1) {
      this.mc[j] = -1
      this.pae[j] = 0
      return
    }
    this.mc.fill(-1, j, j + n)
    if (paeSet !== 0) this.pae.fill(0, j, j + n)
  }
}
