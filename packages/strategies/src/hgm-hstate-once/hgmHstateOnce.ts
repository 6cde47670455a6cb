import { HUGETLB_HGM_HSTATE_ONCE } from '../mapcountRules/hgmMapcount.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { LINUX_615_RULES } from '../linux-6.15/linux615.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'

/**
 * HGM_HSTATE_ONCE_RULES - the mapcount plan announced after HGM v2 to make HGM and HVO compatible again
 * (seed 000: "patches will be sent up to: 1. Change the mapcount scheme to make HGM and HVO compatible again
 * (and make MADV_COLLAPSE faster)"; docs/mapcount-schemes.md §11.3): a HugeTLB folio is counted once per
 * hstate-level mapping — per (process, hstate-aligned virtual range) that maps it — whatever the
 * granularity of the entries inside that range. Model-only: never posted as code; the rule is the plan as
 * issue 10 states it.
 *
 * The 6.18 table (linux-6.15) for every other folio; HugeTLB by {@link HUGETLB_HGM_HSTATE_ONCE}:
 * - a huge-size entry: `_entire_mapcount` and `_large_mapcount` in page[1] ±1 (as 6.18);
 * - the first high-granularity entry of process p inside the hstate-level range R of the folio:
 *   `_entire_mapcount` and `_large_mapcount` +1; further entries in R touch no struct page (the HGM walk
 *   sees the range is already mapped: a count of the page table, kept beside the state, PageTableCounts);
 *   the last one leaving R: −1. MADV_COLLAPSE (HGM entries removed, one huge entry added) nets to no change.
 * Queries on a folio that HGM entries map: folio_mapcount = hstate-level mappings (not entries), every page's
 * page_mapcount and kpagecount = that same number, entire mapcount likewise, pages mapped = N — all
 * "estimate" (a count of mappings, not of entries); folio_maybe_mapped_shared = mapcount > 1 ("maybe").
 * Everywhere else exact, as 6.18.
 * Struct-page words: page[1] only — HVO-compatible: never a write to a struct page HVO made read-only.
 */
export const HGM_HSTATE_ONCE_RULES: PageMapcountRules = {
  ...LINUX_615_RULES,
  hugetlb: HUGETLB_HGM_HSTATE_ONCE,
}

/** HGM_HSTATE_ONCE - the HGM hstate-once scheme. */
export const HGM_HSTATE_ONCE: PageMapcountSchemeDef = {
  id: 'hgm-hstate-once',
  description: {
    kernels: 'the post-v2 HGM plan (2023, never posted as code) on the 6.18 scheme; seed 000',
    summary: 'HGM, HugeTLB counted once per hstate-level mapping whatever its granularity: page[1] only, compatible with HVO',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount (HugeTLB: one per hstate-level mapping), _nr_pages_mapped, _mm_id_mapcount[2], _mm_ids (non-HugeTLB)',
      'every page': '_mapcount (PTE of a THP; never for HugeTLB), flags (PAE)',
      'mm_struct': 'mm_id (read)',
      'page tables': 'whether an hstate-level range already holds an HGM entry (read by the walk)',
    },
    hugetlb: 'one _entire_mapcount/_large_mapcount per hstate-level mapping (a huge entry, or the first HGM entry of a range, a 4K PTE or a 2M PMD inside a 1G page alike: inferred from "whatever the granularity")',
    source: 'James Houghton, Re: [PATCH v2 00/46] hugetlb: introduce HugeTLB high-granularity mapping (23 Feb 2023, seed 000): "Change the mapcount scheme to make HGM and HVO compatible again"',
  },
  precision: {
    mappedShared: 'maybe', partiallyMapped: 'maybe',
    hgm: { folioMapcount: 'estimate', entireMapcount: 'estimate', pageMapcount: 'estimate', kpagecount: 'estimate', nrPagesMapped: 'estimate' },
  },
  rules: HGM_HSTATE_ONCE_RULES,
}

/** hgmHstateOnce - the HGM hstate-once strategy. */
export const hgmHstateOnce = new PageMapcountScheme(HGM_HSTATE_ONCE)
