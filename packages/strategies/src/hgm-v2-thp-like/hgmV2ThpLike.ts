import type { FolioState } from '../folioState.ts'
import { Linux615 } from '../linux-6.15/linux615.ts'
import { W } from '../schemeChunk.ts'
import type { EventOp } from '../eventOp.ts'
import type { SchemeState } from '../schemeState.ts'
import type { StrategyDescription, StrategyPrecision } from '../strategy.ts'

/**
 * HgmV2ThpLike - the mapcount scheme of HugeTLB high-granularity mapping v2 ("[PATCH v2 00/46] hugetlb:
 * introduce HugeTLB high-granularity mapping", James Houghton, 18 Feb 2023; seed 000): "Changed mapcount to
 * be more THP-like" — "the mapcounting scheme uses subpages' mapcounts for high-granularity mappings, but it
 * does not use subpages_mapcount(). This scheme prevents the HugeTLB VMEMMAP optimization from being used"
 * (docs/mapcount-schemes.md §11.2). Model-only: the series was never merged.
 *
 * Rules (on the 6.18 scheme, linux-6.15, for every other folio and for hstate-level HugeTLB entries):
 * - a huge-size HugeTLB entry (PMD of a 2 MiB page, PUD of a 1 GiB page): `_entire_mapcount` and
 *   `_large_mapcount` in page[1], ±1 (hugetlb_add_file_rmap / hugetlb_remove_rmap of a hstate-level hugetlb_pte);
 * - a high-granularity entry (4 KiB PTE; 2 MiB PMD inside a 1 GiB page) mapping pages [i, i + n): the
 *   `_mapcount` of each of those n subpages ±1 (THP-like: page_add_file_rmap() on the subpage; no
 *   `_nr_pages_mapped`), and `_large_mapcount` ±1 so folio_mapcount() stays O(1) in the 6.18 base.
 * Queries (all exact, also with HGM): folio_mapcount = `_large_mapcount` + 1 (one per entry);
 * page_mapcount(i) = (`_mapcount`[i] + 1) + (`_entire_mapcount` + 1); kpagecount = page_mapcount;
 * pages mapped = N while an entry maps it whole, else the subpages with `_mapcount` ≥ 0 (O(N)).
 * Struct-page words: page[1] `_entire_mapcount`, `_large_mapcount`; subpage i's `_mapcount` for every HGM
 * entry covering i — struct page i sits in vmemmap page ⌊64·i / 4096⌋, read-only under HVO for i ≥ 64
 * (6.18) / i ≥ 128 (v7): the HVO conflict (hvoConflicts / hvoWrites in the cost table).
 */
export class HgmV2ThpLike extends Linux615 {
  override readonly id: string = 'hgm-v2-thp-like'
  override readonly description: StrategyDescription = {
    kernels: 'HGM v2 proposal (Feb 2023, never merged) on the 6.18 scheme; seed 000',
    summary: 'HGM v2 THP-like: huge-size entries in _entire_mapcount, high-granularity entries in each subpage _mapcount (incompatible with HVO)',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount (HugeTLB huge-size entries), _nr_pages_mapped, _mm_id_mapcount[2], _mm_ids (non-HugeTLB)',
      'every page': '_mapcount (PTE of a THP; HGM entry of a HugeTLB page: struct pages HVO made read-only), flags (PAE)',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: 'huge-size entry: _entire_mapcount and _large_mapcount; HGM entry (4K PTE, or 2M PMD inside a 1G page: its 512 subpages, as the series\' hugetlb_add_file_rmap() loops over the subpages of a non-hstate shift): _mapcount of every subpage it maps + _large_mapcount',
    source: 'James Houghton, "[PATCH v2 00/46] hugetlb: introduce HugeTLB high-granularity mapping" (18 Feb 2023) and its thread (23 Feb 2023: "going with the THP-like mapcount scheme ... even though it is incompatible with HVO"; seed 000)',
  }
  override readonly precision: StrategyPrecision = { mappedShared: 'maybe', partiallyMapped: 'maybe' }

  /** the subpages' `_mapcount` of pages [i, i + n) += @d (one RMW each, every struct page written) */
  protected subpageMapcounts(f: FolioState, i: number, n: number, d: number): void {
    const mc = f.w
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]! += d
    f.rmwRange(i, n)
  }

  protected override hgmAdd(_s: SchemeState, f: FolioState, i: number, n: number, _e: EventOp): void {
    this.subpageMapcounts(f, i, n, 1)
    f.large++
    f.rmw(1)
  }

  protected override hgmRemove(_s: SchemeState, f: FolioState, i: number, n: number, _e: EventOp): void {
    this.subpageMapcounts(f, i, n, -1)
    f.large--
    f.rmw(1)
  }

  protected override hugetlbPagesMappedOf(f: FolioState): number | null {
    if (f.entire >= 0) return f.n
    let m = 0
    for (let k = 0; k < f.n; k++) if (f.mcOf(k) >= 0) m++
    return m
  }

  /** §8.3 plus: HugeTLB `_large_mapcount` + 1 = (entire + 1) + Σ (subpage `_mapcount` + 1) */
  protected override invariantsOf(f: FolioState): string[] {
    if (!f.hugetlb) return super.invariantsOf(f)
    let sum = 0
    for (let k = 0; k < f.n; k++) sum += f.mcOf(k) + 1
    const bad: string[] = []
    if (f.mapped !== 0) bad.push(`HugeTLB _nr_pages_mapped ${f.mapped} ≠ 0`)
    if (f.large + 1 !== f.entire + 1 + sum) bad.push(`HugeTLB _large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) = ${f.entire + 1 + sum}`)
    return bad
  }

  /** HugeTLB: page_mapcount(page) == 1 of the entry's page (4 KiB entries) or the head (huge-size) */
  protected override pagemapExclusiveOf(f: FolioState, i: number, level: 'pte' | 'pmd' | 'pud'): boolean {
    if (f.hugetlb) return this.pageMapcountOf(f, level === 'pte' ? i : 0) === 1
    return super.pagemapExclusiveOf(f, i, level)
  }
}

/** hgmV2ThpLike - the HGM v2 THP-like strategy. */
export const hgmV2ThpLike = new HgmV2ThpLike()
