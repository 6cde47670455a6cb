import { DEFERRED_SPLIT_PMD_MAPPABLE } from '../mapcountRules/deferredSplit.ts'
import { folioTotalMapcount } from '../mapcountRules/folioMapcount.ts'
import { HUGETLB_ENTIRE } from '../mapcountRules/hugetlbMapcount.ts'
import { LARGE_MAPCOUNT_NONE } from '../mapcountRules/largeMapcount.ts'
import { headPageMapcountShared } from '../mapcountRules/mappedShared.ts'
import { NR_PAGES_MAPPED_PER_PAGE } from '../mapcountRules/nrPagesMapped.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { pagemapExclusiveByHead } from '../mapcountRules/pagemapExclusive.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'
import { RMAP_ERA_62 } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * LINUX_62_RULES - Hugh Dickins' scheme, v6.2–v6.7 (docs/mapcount-schemes.md §2): PageDoubleMap is gone;
 * PTE mappings touch only the page's `_mapcount` and, on first/last, `subpages_mapcount` (v6.3:
 * `_nr_pages_mapped`); PMD mappings (anon and file alike) touch only `compound_mapcount`
 * (`_entire_mapcount`) and add/remove COMPOUND_MAPPED. No batching: an event of n PTEs is n calls, which
 * cost the same here. folio_mapcount() is the O(N) total_mapcount().
 */
export const LINUX_62_RULES: PageMapcountRules = {
  rmapEra: RMAP_ERA_62,
  largeMapcount: LARGE_MAPCOUNT_NONE,
  nrPagesMapped: NR_PAGES_MAPPED_PER_PAGE,
  deferredSplit: DEFERRED_SPLIT_PMD_MAPPABLE,
  folioMapcount: folioTotalMapcount,
  mappedShared: headPageMapcountShared,
  pagemapExclusive: pagemapExclusiveByHead,
  hugetlb: HUGETLB_ENTIRE,
}

/** LINUX_62 - the v6.2–v6.7 scheme. */
export const LINUX_62: PageMapcountSchemeDef = {
  id: 'linux-6.2',
  description: {
    kernels: 'v6.2–v6.7',
    summary: 'subpages_mapcount/_nr_pages_mapped with COMPOUND_MAPPED, compound/_entire_mapcount; no PageDoubleMap',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': 'compound_mapcount → _entire_mapcount (v6.3), subpages_mapcount → _nr_pages_mapped (v6.3)',
      'page[2]': 'deferred_list',
      'every page': '_mapcount on PTE map/unmap only; flags (PAE)',
    },
    hugetlb: 'compound/_entire_mapcount in page[1] only: +1 per map/dup, −1 per unmap; no stats, no subpage writes',
  },
  precision: { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE },
  rules: LINUX_62_RULES,
}

/** linux62 - the v6.2–v6.7 strategy. */
export const linux62 = new PageMapcountScheme(LINUX_62)
