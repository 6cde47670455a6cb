import type { Level } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { PageMapcountFamily } from '../pageMapcountFamily.ts'
import type { StrategyDescription } from '../strategy.ts'
import { RMAP_ERA_68, type RmapEra } from '../rmapCalls.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * Linux68 - the rmap interface overhaul, v6.8–v6.9 (docs/mapcount-schemes.md §3.3): folio + page + nr calls,
 * COMPOUND_MAPPED renamed ENTIRELY_MAPPED, `_nr_pages_mapped` still updated per newly (un)mapped page, no
 * `_large_mapcount` (folio_mapcount() is the O(N) folio_total_mapcount()). Any large anon folio of order ≥ 2
 * is queued for deferred split when a PTE removal unmapped pages — even when that leaves it fully unmapped
 * (§9 item 2).
 */
export class Linux68 extends PageMapcountFamily {
  readonly id: string = 'linux-6.8'
  readonly description: StrategyDescription = {
    kernels: 'v6.8–v6.9',
    summary: 'rmap overhaul: _entire_mapcount + _nr_pages_mapped (ENTIRELY_MAPPED), per-page updates, O(N) folio_mapcount',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_entire_mapcount, _nr_pages_mapped',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount only (hugetlb_add/remove/dup_*_rmap): ±1 per entry',
  }
  readonly precision = { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE } as const
  protected readonly hugetlbLarge: boolean = false
  protected override readonly rmapEra: RmapEra = RMAP_ERA_68

  protected override deferredSplit(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order <= 1) return
    if ((level === 'pte' || nr < nrPmdmapped) && !f.deferred) {
      f.deferred = true
      f.store(2)
    }
  }

  /** folio_estimated_sharers() > 1: page_mapcount() of the first page */
  protected mappedSharedOf(f: FolioState): boolean {
    return this.pageMapcountOf(f, 0) > 1
  }
}

/** linux68 - the v6.8–v6.9 strategy. */
export const linux68 = new Linux68()
