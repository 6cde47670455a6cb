import { DEFERRED_SPLIT_PARTIALLY_MAPPED } from '../mapcountRules/deferredSplit.ts'
import { folioLargeMapcount } from '../mapcountRules/folioMapcount.ts'
import { HUGETLB_ENTIRE_AND_LARGE } from '../mapcountRules/hugetlbMapcount.ts'
import { LARGE_MAPCOUNT_ATOMIC } from '../mapcountRules/largeMapcount.ts'
import { likelyMappedShared } from '../mapcountRules/mappedShared.ts'
import { NR_PAGES_MAPPED_PER_PAGE } from '../mapcountRules/nrPagesMapped.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { pagemapExclusiveByHead } from '../mapcountRules/pagemapExclusive.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'
import { RMAP_ERA_BATCHED } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * LINUX_610_RULES - v6.10–v6.11 (docs/mapcount-schemes.md §3.3, §3.4): `_large_mapcount` (one atomic add/sub
 * per rmap call) makes folio_mapcount() O(1); folio_likely_mapped_shared() guesses from the first page; a
 * remove queues the folio for deferred split only if it is left partially mapped (Zi Yan's fix).
 * `_nr_pages_mapped` is still updated per page. Pagemap bit 56 of a PMD entry still comes from the head
 * (the per-page fix 2c1f057e5be6 is v6.11: this table models v6.10). HugeTLB: `_entire_mapcount` and
 * `_large_mapcount`, pagemap bit 56 = mapped once.
 */
export const LINUX_610_RULES: PageMapcountRules = {
  rmapEra: RMAP_ERA_BATCHED,
  largeMapcount: LARGE_MAPCOUNT_ATOMIC,
  nrPagesMapped: NR_PAGES_MAPPED_PER_PAGE,
  deferredSplit: DEFERRED_SPLIT_PARTIALLY_MAPPED,
  folioMapcount: folioLargeMapcount,
  mappedShared: likelyMappedShared,
  pagemapExclusive: pagemapExclusiveByHead,
  hugetlb: HUGETLB_ENTIRE_AND_LARGE,
}

/** LINUX_610 - the v6.10–v6.11 scheme. */
export const LINUX_610: PageMapcountSchemeDef = {
  id: 'linux-6.10',
  description: {
    kernels: 'v6.10–v6.11',
    summary: '_large_mapcount (O(1) folio_mapcount) + per-page _nr_pages_mapped updates; folio_likely_mapped_shared()',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount in page[1], ±1 each per entry; head _mapcount holds the page type',
  },
  precision: { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE },
  rules: LINUX_610_RULES,
}

/** linux610 - the v6.10–v6.11 strategy. */
export const linux610 = new PageMapcountScheme(LINUX_610)
