import {
  addReturnLargeMapcount, type Level, maybeMappedShared, setLargeMapcount, slotInvariants, slotsFreeCheck, subReturnLargeMapcount,
} from '@mmsim/core'
import type { EventOp } from '../eventOp.ts'
import type { FolioState } from '../folioState.ts'
import { SchemeBase } from '../schemeBase.ts'
import type { SchemeState } from '../schemeState.ts'
import type { StrategyDescription, StrategyPrecision } from '../strategy.ts'

/**
 * TotalMappedPages - David Hildenbrand (Arm), "[PATCH RFC 00/13] mm/rmap: support arbitrary folio mappings"
 * (12 Apr 2026; LSF/MM/BPF topic "Towards removing CONFIG_PAGE_MAPCOUNT"; docs/mapcount-schemes.md §11.5):
 * no per-page `_mapcount` for large folios ever (the kernel "always behaves like CONFIG_NO_PAGE_MAPCOUNT"),
 * and "the entire mapcount [becomes] a 'total mapped pages' counter, that can trivially be used to calculate
 * the per-page average mapcount in a folio"; the rmap code takes arbitrary folio mappings (a mapping of
 * any n pages adds n), so HGM entries of a HugeTLB folio need no rule of their own. Not in 6.18.
 *
 * Rules (large folios; small folios keep their `_mapcount`): a mapping of n pages — PTE batch n, PMD 512,
 * HugeTLB huge entry N, HGM entry 1 or 512 — does `_total_mapped_pages` += n and `_large_mapcount` += 1 per
 * entry (per batch: += entries) with the MM-owner slots (v6.15 §4.2; HugeTLB: plain atomics, no slots, as
 * 6.18); removal the reverse; deferred split when a removal leaves the folio mapped with total < N (an
 * estimate). The head words live in page[1]; `_total_mapped_pages` is modelled in the `_nr_pages_mapped` word.
 * Queries: folio_mapcount = `_large_mapcount` + 1 (exact); page_mapcount not tracked (null); entire mapcount
 * not answerable (gone; reads 0); kpagecount = the average DIV_ROUND_CLOSEST(total, N), at least 1 while
 * mapped (estimate: exact only when every page is mapped equally often); pages mapped not tracked (the stats
 * count the whole folio); folio_maybe_mapped_shared = the MM slots ("maybe"); pagemap bit 56 =
 * !folio_maybe_mapped_shared.
 * Struct-page words: page[1] only (plus PAE flags per page of anon folios): compatible with HVO.
 */
class TotalMappedPages extends SchemeBase {
  readonly id: string = 'total-mapped-pages'
  readonly description: StrategyDescription = {
    kernels: 'RFC "mm/rmap: support arbitrary folio mappings" (Apr 2026, not merged)',
    summary: 'no per-page mapcounts: _large_mapcount + a total of mapped pages per folio; kpagecount is the average',
    words: {
      'page[0]': 'flags (PAE), mapping, index (head _mapcount untouched for large folios)',
      'page[1]': '_large_mapcount, _total_mapped_pages (was _entire_mapcount), _mm_id_mapcount[2], _mm_ids, flags (PG_partially_mapped)',
      'page[2]': '_deferred_list',
      'every page': 'flags (PAE) only',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: '_large_mapcount ±1 and _total_mapped_pages ±pages per entry of any size (HGM included: a 4K PTE 1, a 2M PMD inside a 1G page 512; the RFC predates HGM, inferred from "arbitrary folio mappings"), page[1] only: compatible with HVO',
    source: 'David Hildenbrand (Arm), "[PATCH RFC 00/13] mm/rmap: support arbitrary folio mappings" (12 Apr 2026), https://lore.kernel.org/linux-mm/20260412-mapcount-v1-0-05e8dfab52e0@kernel.org/',
  }
  readonly precision: StrategyPrecision = {
    mappedShared: 'maybe', partiallyMapped: 'estimate', entireMapcount: 'none', kpagecount: 'estimate',
  }
  protected readonly hugetlbLarge = true

  /** `_total_mapped_pages` += @d (one RMW on page[1]) */
  private total(f: FolioState, d: number): void {
    f.mapped += d
    f.rmw(1)
  }

  private deferredSplit(f: FolioState, left: number): void {
    if (left > 0 && f.mapped < f.n && f.anon && f.order > 1 && !f.deferred) {
      f.deferred = true
      f.store(1)
      f.store(2)
    }
  }

  protected newAnon(f: FolioState, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.w[f.b] = 0
      f.store(0)
      return
    }
    f.mapped = f.n
    setLargeMapcount(f, level === 'pte' ? f.n : 1, mm)
    f.store(1)
  }

  protected add(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.rmw(0)
      f.w[f.b]!++
      return
    }
    this.total(f, level === 'pte' ? n : f.n)
    f.bitLock()
    addReturnLargeMapcount(f, level === 'pte' ? n : 1, mm)
  }

  protected remove(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.rmw(0)
      f.w[f.b]!--
      return
    }
    this.total(f, -(level === 'pte' ? n : f.n))
    f.bitLock()
    this.deferredSplit(f, subReturnLargeMapcount(f, level === 'pte' ? n : 1, mm))
  }

  protected dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    this.add(f, i, n, level, mm)
  }

  protected override hugetlbAdd(f: FolioState, mode: 'newAnon' | 'anon' | 'file'): void {
    if (mode === 'newAnon') {
      f.mapped = f.n
      f.large = 0
      f.store(1)
      f.store(0)
      return
    }
    this.total(f, f.n)
    f.large++
    f.rmw(1)
  }

  protected override hugetlbRemove(f: FolioState): void {
    this.total(f, -f.n)
    f.large--
    f.rmw(1)
  }

  /** an arbitrary mapping of n pages: nothing HGM-specific */
  protected override hgmAdd(_s: SchemeState, f: FolioState, _i: number, n: number, _e: EventOp): void {
    this.total(f, n)
    f.large++
    f.rmw(1)
  }

  protected override hgmRemove(_s: SchemeState, f: FolioState, _i: number, n: number, _e: EventOp): void {
    this.total(f, -n)
    f.large--
    f.rmw(1)
  }

  // ---- queries -------------------------------------------------------------------------------

  protected folioMapcountOf(f: FolioState): number {
    return f.isLarge ? f.large + 1 : f.mcOf(0) + 1
  }

  protected pageMapcountOf(f: FolioState, _i: number): number | null {
    return f.isLarge ? null : f.mcOf(0) + 1
  }

  protected nrPagesMappedOf(): number | null {
    return null
  }

  protected override hugetlbPagesMappedOf(): number | null {
    return null
  }

  protected mappedSharedOf(f: FolioState): boolean {
    return maybeMappedShared(f)
  }

  protected partiallyMappedOf(f: FolioState): boolean | null {
    return f.order <= 1 ? null : f.deferred
  }

  /** the per-page average: DIV_ROUND_CLOSEST(total mapped pages, N), at least 1 while the folio is mapped */
  protected kpagecountOf(f: FolioState, _i: number): number {
    if (!f.isLarge) return f.mcOf(0) + 1
    if (f.large + 1 <= 0) return 0
    return Math.max(Math.floor((f.mapped + f.n / 2) / f.n), 1)
  }

  /** small: mapcount == 1; large: !folio_maybe_mapped_shared(); HugeTLB: folio_mapcount ≤ 1 */
  protected pagemapExclusiveOf(f: FolioState): boolean {
    if (!f.isLarge) return f.mcOf(0) + 1 === 1
    if (f.hugetlb) return f.large + 1 === 1
    return !maybeMappedShared(f)
  }

  /** total ≥ entries (an entry maps ≥ 1 page) and 0 with no entry; MM slots (non-HugeTLB); no per-page `_mapcount` written */
  protected override invariantsOf(f: FolioState): string[] {
    if (!f.isLarge) return []
    const bad = f.hugetlb ? [] : slotInvariants(f)
    if (f.mapped < f.large + 1) bad.push(`_total_mapped_pages ${f.mapped} < folio mapcount ${f.large + 1}`)
    if (f.large === -1 && f.mapped !== 0) bad.push(`_total_mapped_pages ${f.mapped} with no mapping`)
    if (f.anyPageMapcount()) bad.push('a per-page _mapcount of a large folio was written')
    if (f.entire !== -1) bad.push('_entire_mapcount was written')
    return bad
  }

  protected freeCheckOf(f: FolioState): string | null {
    if (!f.isLarge) return f.mcOf(0) !== -1 ? 'nonzero mapcount' : null
    if (f.mapped !== 0) return 'nonzero total_mapped_pages'
    if (f.large !== -1) return 'nonzero large_mapcount'
    return f.hugetlb ? null : slotsFreeCheck(f)
  }
}

/** totalMappedPages - the 2026 RFC strategy. */
export const totalMappedPages = new TotalMappedPages()
