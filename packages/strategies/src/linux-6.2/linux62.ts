import { HPAGE_PMD_ORDER, type Level } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { PageMapcountFamily } from '../pageMapcountFamily.ts'
import type { StrategyDescription } from '../strategy.ts'
import { RMAP_ERA_62, type RmapEra } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * Linux62 - Hugh Dickins' scheme, v6.2–v6.7 (docs/mapcount-schemes.md §2): PageDoubleMap is gone; PTE mappings
 * touch only the page's `_mapcount` and, on first/last, `subpages_mapcount` (v6.3: `_nr_pages_mapped`);
 * PMD mappings (anon and file alike) touch only `compound_mapcount` (`_entire_mapcount`) and add/remove
 * COMPOUND_MAPPED. No batching: an event of n PTEs is n calls, which cost the same here.
 * Deferred split only for PMD-mappable anon folios (anon mTHP did not exist; other large anon folios are
 * handled with the same counter rules, an extrapolation). folio_mapcount() is the O(N) total_mapcount().
 */
export class Linux62 extends PageMapcountFamily {
  readonly id: string = 'linux-6.2'
  readonly description: StrategyDescription = {
    kernels: 'v6.2–v6.7',
    summary: 'subpages_mapcount/_nr_pages_mapped with COMPOUND_MAPPED, compound/_entire_mapcount; no PageDoubleMap',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': 'compound_mapcount → _entire_mapcount (v6.3), subpages_mapcount → _nr_pages_mapped (v6.3)',
      'page[2]': 'deferred_list',
      'every page': '_mapcount on PTE map/unmap only; flags (PAE)',
    },
    hugetlb: 'compound/_entire_mapcount in page[1] only: +1 per map/dup, −1 per unmap; no stats, no subpage writes',
  }
  readonly precision = { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE } as const
  protected readonly hugetlbLarge: boolean = false
  protected override readonly rmapEra: RmapEra = RMAP_ERA_62

  /** v6.2–v6.7: queue a PMD-mappable anon folio when a PTE removal unmapped pages, or a PMD removal left some mapped */
  protected override deferredSplit(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order !== HPAGE_PMD_ORDER) return
    if ((level === 'pte' || nr < nrPmdmapped) && !f.deferred) {
      f.deferred = true
      f.store(2)
    }
  }

  protected override partiallyMappedOf(f: FolioState): boolean | null {
    return f.order === HPAGE_PMD_ORDER ? f.deferred : null
  }

  /** no folio-wide "shared?" yet: callers (madvise, NUMA) looked at page_mapcount(head) > 1 */
  protected mappedSharedOf(f: FolioState): boolean {
    return this.pageMapcountOf(f, 0) > 1
  }
}

/** linux62 - the v6.2–v6.7 strategy. */
export const linux62 = new Linux62()
