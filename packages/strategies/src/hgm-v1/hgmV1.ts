import { HUGETLB_HGM_EVERY_SUBPAGE } from '../mapcountRules/hgmMapcount.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { LINUX_615_RULES } from '../linux-6.15/linux615.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'

/**
 * HGM_V1_RULES - HGM v1's mapcounts as issue 10 summarises them ("subpage mapcounts for every HGM mapping";
 * v1: https://lore.kernel.org/linux-mm/20230105101844.1893104-1-jthoughton@google.com/, named in seed 000's
 * "Old versions"; docs/mapcount-schemes.md §11.1). The 6.18 table (linux-6.15) for every other folio;
 * HugeTLB by {@link HUGETLB_HGM_EVERY_SUBPAGE}: every entry mapping a HugeTLB folio, huge-size or high-
 * granularity, is counted in the `_mapcount` of every subpage it covers — a huge-size entry in all N — as
 * ≤ v6.1 counted a PMD-mapped file THP; huge-size entries also in `_entire_mapcount`, every entry in
 * `_large_mapcount`. Model-only; the v1 patches themselves were not read (the rule is the summary).
 * Queries (exact): folio_mapcount = `_large_mapcount` + 1; page_mapcount(i) = `_mapcount`[i] + 1 (it already
 * holds the huge-size entries); kpagecount = page_mapcount.
 * Struct-page words: every subpage's `_mapcount` on every HugeTLB map and unmap — N struct pages per
 * huge-size entry, so with HVO on even a plain 2 MiB mapping writes 448 (6.18) read-only struct pages.
 */
export const HGM_V1_RULES: PageMapcountRules = {
  ...LINUX_615_RULES,
  hugetlb: HUGETLB_HGM_EVERY_SUBPAGE,
}

/** HGM_V1 - the HGM v1 scheme. */
export const HGM_V1: PageMapcountSchemeDef = {
  id: 'hgm-v1',
  description: {
    kernels: 'HGM v1 proposal (Jan 2023, never merged) on the 6.18 scheme; seed 000 (old versions)',
    summary: 'HGM v1: every HugeTLB entry counted in the _mapcount of every subpage it covers (huge-size: all N); incompatible with HVO',
    words: {
      'page[0]': '_mapcount, flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped, _mm_id_mapcount[2], _mm_ids (non-HugeTLB)',
      'every page': '_mapcount on every HugeTLB map/unmap (all N for a huge-size entry), PTE of a THP; flags (PAE)',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: 'every entry: _mapcount of every subpage it covers + _large_mapcount; huge-size entries also _entire_mapcount; an HGM PMD inside a 1G page: its 512 subpages (inferred: v1 counts every entry in the subpages it covers)',
    source: 'James Houghton, "[PATCH 00/46] hugetlb: introduce HugeTLB high-granularity mapping" (v1, 5 Jan 2023), https://lore.kernel.org/linux-mm/20230105101844.1893104-1-jthoughton@google.com/ — its mapcounts as issue 10 summarises them',
  },
  precision: { mappedShared: 'maybe', partiallyMapped: 'maybe' },
  rules: HGM_V1_RULES,
}

/** hgmV1 - the HGM v1 strategy. */
export const hgmV1 = new PageMapcountScheme(HGM_V1)
