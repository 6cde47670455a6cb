import { HUGETLB_HGM_THP_LIKE } from '../mapcountRules/hgmMapcount.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { LINUX_615_RULES } from '../linux-6.15/linux615.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'

/**
 * HGM_V2_THP_LIKE_RULES - the mapcount scheme of HugeTLB high-granularity mapping v2 ("[PATCH v2 00/46]
 * hugetlb: introduce HugeTLB high-granularity mapping", James Houghton, 18 Feb 2023; seed 000): "Changed
 * mapcount to be more THP-like" — "the mapcounting scheme uses subpages' mapcounts for high-granularity
 * mappings, but it does not use subpages_mapcount(). This scheme prevents the HugeTLB VMEMMAP optimization
 * from being used" (docs/mapcount-schemes.md §11.2). Model-only: the series was never merged.
 *
 * The 6.18 table (linux-6.15) for every other folio; HugeTLB by {@link HUGETLB_HGM_THP_LIKE}:
 * - a huge-size entry (PMD of a 2 MiB page, PUD of a 1 GiB page): `_entire_mapcount` and
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
export const HGM_V2_THP_LIKE_RULES: PageMapcountRules = {
  ...LINUX_615_RULES,
  hugetlb: HUGETLB_HGM_THP_LIKE,
}

/** HGM_V2_THP_LIKE - the HGM v2 THP-like scheme. */
export const HGM_V2_THP_LIKE: PageMapcountSchemeDef = {
  id: 'hgm-v2-thp-like',
  description: {
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
  },
  precision: { mappedShared: 'maybe', partiallyMapped: 'maybe' },
  rules: HGM_V2_THP_LIKE_RULES,
}

/** hgmV2ThpLike - the HGM v2 THP-like strategy. */
export const hgmV2ThpLike = new PageMapcountScheme(HGM_V2_THP_LIKE)
