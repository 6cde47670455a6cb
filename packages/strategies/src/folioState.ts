import type { FolioKind } from '@mmsim/core'

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

/**
 * FolioState - the kernel's mapcount words of one folio, under whichever scheme owns it. Every scheme uses
 * the subset it has; unused words stay at their initial values. Biased counters hold logical − 1.
 * @mc: page[i]._mapcount, null while every one is −1
 * @pae: PageAnonExclusive per page, null while all clear
 * @entire: compound_mapcount / _entire_mapcount
 * @mapped: subpages_mapcount / _nr_pages_mapped (not biased)
 * @large: _large_mapcount (v6.10+)
 * @mmId0/@mmId1, @mmCnt0/@mmCnt1, @shared: v6.15+ MM owner slots and FOLIO_MM_IDS_SHARED_BIT
 * @doubleMap: PG_double_map (≤ v6.1)
 * @deferred: on the deferred split queue (≤ v6.11) / PG_partially_mapped (v6.12+)
 * @hvo: HugeTLB vmemmap optimized
 */
export class FolioState {
  n: number
  mc: Int32Array | null = null
  pae: Uint8Array | null = null
  /** pages with PageAnonExclusive set (lets fork skip the clear loop) */
  paeSet = 0
  entire = -1
  mapped = 0
  large = -1
  mmId0 = 0
  mmId1 = 0
  mmCnt0 = -1
  mmCnt1 = -1
  shared = false
  doubleMap = false
  deferred = false
  hvo = false

  constructor(public kind: FolioKind, public order: number) {
    this.n = 2 ** order
  }

  /**
   * reset - back to a fresh folio of @kind (same order), keeping the typed arrays for reuse. @clean: the
   * per-page `_mapcount`s are known to be all −1 already (a free that passed the free-time check).
   */
  reset(kind: FolioKind, clean: boolean): void {
    this.kind = kind
    if (!clean && this.mc !== null) this.mc.fill(-1)
    if (this.pae !== null && this.paeSet !== 0) this.pae.fill(0)
    this.paeSet = 0
    this.entire = -1
    this.mapped = 0
    this.large = -1
    this.mmId0 = 0
    this.mmId1 = 0
    this.mmCnt0 = -1
    this.mmCnt1 = -1
    this.shared = false
    this.doubleMap = false
    this.deferred = false
    this.hvo = false
  }

  get anon(): boolean {
    return this.kind === 'anon'
  }

  get hugetlb(): boolean {
    return this.kind === 'hugetlb'
  }

  get zero(): boolean {
    return this.kind === 'zero' || this.kind === 'hugezero'
  }

  get isLarge(): boolean {
    return this.order > 0
  }

  /** the per-page `_mapcount` array, allocated (all −1) on first use */
  mcs(): Int32Array {
    if (this.mc === null) this.mc = new Int32Array(this.n).fill(-1)
    return this.mc
  }

  /** raw `_mapcount` of page @i */
  mcOf(i: number): number {
    return this.mc === null ? -1 : this.mc[i]!
  }

  paes(): Uint8Array {
    if (this.pae === null) this.pae = new Uint8Array(this.n)
    return this.pae
  }

  paeOf(i: number): boolean {
    return this.pae !== null && this.pae[i] === 1
  }

  clone(): FolioState {
    const c = new FolioState(this.kind, this.order)
    Object.assign(c, this)
    c.mc = this.mc === null ? null : this.mc.slice()
    c.pae = this.pae === null ? null : this.pae.slice()
    return c
  }
}
