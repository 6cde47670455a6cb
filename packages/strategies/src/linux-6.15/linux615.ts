import { DEFERRED_SPLIT_PG_PARTIALLY_MAPPED } from '../mapcountRules/deferredSplit.ts'
import { folioLargeMapcount } from '../mapcountRules/folioMapcount.ts'
import { HUGETLB_ENTIRE_AND_LARGE } from '../mapcountRules/hugetlbMapcount.ts'
import { LARGE_MAPCOUNT_MM_OWNER } from '../mapcountRules/largeMapcount.ts'
import { maybeMappedSharedBit } from '../mapcountRules/mappedShared.ts'
import { NR_PAGES_MAPPED_PER_BATCH } from '../mapcountRules/nrPagesMapped.ts'
import type { PageMapcountRules } from '../mapcountRules/pageMapcountRules.ts'
import { pagemapExclusiveByHead } from '../mapcountRules/pagemapExclusive.ts'
import { PageMapcountScheme, type PageMapcountSchemeDef } from '../pageMapcountScheme.ts'
import { RMAP_ERA_BATCHED } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * LINUX_615_RULES - v6.15+ with CONFIG_PAGE_MAPCOUNT=y, the scheme this machine's 6.18 runs
 * (docs/mapcount-schemes.md §3.3, §4.2, §6): the v6.12 counters (`_nr_pages_mapped` once per batch,
 * PG_partially_mapped) plus MM owner tracking — `_large_mapcount` is updated under the `_mm_ids`
 * bit-spinlock together with two (mm id, per-MM mapcount) slots and the "maybe mapped shared" bit;
 * folio_maybe_mapped_shared() never misses a shared folio. Pagemap bit 56 of a PMD entry is decided by the
 * head page again for all 512 entries (§9 item 3, docs/kernel-behaviour.md verified #2). HugeTLB:
 * `_entire_mapcount` and `_large_mapcount` as plain atomics, no MM slots.
 */
export const LINUX_615_RULES: PageMapcountRules = {
  rmapEra: RMAP_ERA_BATCHED,
  largeMapcount: LARGE_MAPCOUNT_MM_OWNER,
  nrPagesMapped: NR_PAGES_MAPPED_PER_BATCH,
  deferredSplit: DEFERRED_SPLIT_PG_PARTIALLY_MAPPED,
  folioMapcount: folioLargeMapcount,
  mappedShared: maybeMappedSharedBit,
  pagemapExclusive: pagemapExclusiveByHead,
  hugetlb: HUGETLB_ENTIRE_AND_LARGE,
}

/** LINUX_615 - the v6.15+ CONFIG_PAGE_MAPCOUNT scheme. */
export const LINUX_615: PageMapcountSchemeDef = {
  id: 'linux-6.15',
  description: {
    kernels: 'v6.15–v6.18 (CONFIG_PAGE_MAPCOUNT=y)',
    summary: 'MM owner tracking (_mm_id[2], _mm_id_mapcount[2], shared bit, bit-spinlock) + per-page _mapcount',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _nr_pages_mapped, _entire_mapcount, _mm_id_mapcount[2], _mm_ids (ids, lock bit, shared bit), flags (PG_partially_mapped)',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount (plain atomics, no MM slots) in page[1]; head _mapcount = page type',
  },
  precision: { mappedShared: 'maybe', partiallyMapped: 'maybe', hgm: NO_HGM_RULE },
  rules: LINUX_615_RULES,
}

/** linux615 - the v6.15+ CONFIG_PAGE_MAPCOUNT strategy. */
export const linux615 = new PageMapcountScheme(LINUX_615)
