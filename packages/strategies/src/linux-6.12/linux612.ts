import { DEFERRED_SPLIT_PG_PARTIALLY_MAPPED } from '../mapcountRules/deferredSplit.ts'
import { folioLargeMapcount } from '../mapcountRules/folioMapcount.ts'
import { HUGETLB_ENTIRE_AND_LARGE } from '../mapcountRules/hugetlbMapcount.ts'
import { LARGE_MAPCOUNT_ATOMIC } from '../mapcountRules/largeMapcount.ts'
import { likelyMappedShared } from '../mapcountRules/mappedShared.ts'
import { NR_PAGES_MAPPED_PER_BATCH } from '../mapcountRules/nrPagesMapped.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { pagemapExclusivePerPage } from '../mapcountRules/pagemapExclusive.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'
import { RMAP_ERA_BATCHED } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * LINUX_612_RULES - v6.12–v6.14 (docs/mapcount-schemes.md §3.3, verified in 6.12.117): `_large_mapcount` one
 * atomic per rmap call (as v6.10), `_nr_pages_mapped` updated once per batch ("minimize
 * folio->_nr_pages_mapped updates when batching PTE (un)mapping"), the deferred-split decision sets
 * PG_partially_mapped; folio_mapcount() = `_large_mapcount` + 1, folio_likely_mapped_shared(). Pagemap bit
 * 56 of a PMD entry is per page (v6.11–v6.14). HugeTLB: `_entire_mapcount` and `_large_mapcount`.
 */
export const LINUX_612_RULES: PageMapcountRules = {
  rmapEra: RMAP_ERA_BATCHED,
  largeMapcount: LARGE_MAPCOUNT_ATOMIC,
  nrPagesMapped: NR_PAGES_MAPPED_PER_BATCH,
  deferredSplit: DEFERRED_SPLIT_PG_PARTIALLY_MAPPED,
  folioMapcount: folioLargeMapcount,
  mappedShared: likelyMappedShared,
  pagemapExclusive: pagemapExclusivePerPage,
  hugetlb: HUGETLB_ENTIRE_AND_LARGE,
}

/** LINUX_612 - the v6.12–v6.14 scheme. */
export const LINUX_612: PageMapcountSchemeDef = {
  id: 'linux-6.12',
  description: {
    kernels: 'v6.12–v6.14',
    summary: '_large_mapcount + _nr_pages_mapped updated once per batch; PG_partially_mapped',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped, flags (PG_partially_mapped)',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount in page[1], ±1 each per entry; head _mapcount holds the page type',
  },
  precision: { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE },
  rules: LINUX_612_RULES,
}

/** linux612 - the v6.12–v6.14 strategy. */
export const linux612 = new PageMapcountScheme(LINUX_612)
