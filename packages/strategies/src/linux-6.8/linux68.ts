import { DEFERRED_SPLIT_ANY_PTE_UNMAP } from '../mapcountRules/deferredSplit.ts'
import { folioTotalMapcount } from '../mapcountRules/folioMapcount.ts'
import { HUGETLB_ENTIRE } from '../mapcountRules/hugetlbMapcount.ts'
import { LARGE_MAPCOUNT_NONE } from '../mapcountRules/largeMapcount.ts'
import { headPageMapcountShared } from '../mapcountRules/mappedShared.ts'
import { NR_PAGES_MAPPED_PER_PAGE } from '../mapcountRules/nrPagesMapped.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { pagemapExclusiveByHead } from '../mapcountRules/pagemapExclusive.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'
import { RMAP_ERA_68 } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * LINUX_68_RULES - the rmap interface overhaul, v6.8–v6.9 (docs/mapcount-schemes.md §3.3): folio + page +
 * nr calls, COMPOUND_MAPPED renamed ENTIRELY_MAPPED, `_nr_pages_mapped` still updated per newly (un)mapped
 * page, no `_large_mapcount` (folio_mapcount() is the O(N) folio_total_mapcount()); any large anon folio of
 * order ≥ 2 is queued for deferred split when a PTE removal unmapped pages (§9 item 2);
 * folio_estimated_sharers() is page_mapcount() of the first page.
 */
export const LINUX_68_RULES: PageMapcountRules = {
  rmapEra: RMAP_ERA_68,
  largeMapcount: LARGE_MAPCOUNT_NONE,
  nrPagesMapped: NR_PAGES_MAPPED_PER_PAGE,
  deferredSplit: DEFERRED_SPLIT_ANY_PTE_UNMAP,
  folioMapcount: folioTotalMapcount,
  mappedShared: headPageMapcountShared,
  pagemapExclusive: pagemapExclusiveByHead,
  hugetlb: HUGETLB_ENTIRE,
}

/** LINUX_68 - the v6.8–v6.9 scheme. */
export const LINUX_68: PageMapcountSchemeDef = {
  id: 'linux-6.8',
  description: {
    kernels: 'v6.8–v6.9',
    summary: 'rmap overhaul: _entire_mapcount + _nr_pages_mapped (ENTIRELY_MAPPED), per-page updates, O(N) folio_mapcount',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_entire_mapcount, _nr_pages_mapped',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount only (hugetlb_add/remove/dup_*_rmap): ±1 per entry',
  },
  precision: { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE },
  rules: LINUX_68_RULES,
}

/** linux68 - the v6.8–v6.9 strategy. */
export const linux68 = new PageMapcountScheme(LINUX_68)
