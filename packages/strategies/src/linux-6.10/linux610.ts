import type { FolioState } from '../folioState.ts'
import { PageMapcountFamily } from '../pageMapcountFamily.ts'
import type { StrategyDescription, StrategyPrecision } from '../strategy.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * Linux610 - v6.10–v6.11 (docs/mapcount-schemes.md §3.3, §3.4): `_large_mapcount` (one atomic add/sub per rmap
 * call) makes folio_mapcount() O(1); folio_likely_mapped_shared() guesses from the first page; a remove
 * queues the folio for deferred split only if it is left partially mapped (Zi Yan's fix).
 * `_nr_pages_mapped` is still updated per page. Pagemap bit 56 of a PMD entry still comes from the head
 * (the per-page fix 2c1f057e5be6 is v6.11: this strategy models v6.10).
 */
export class Linux610 extends PageMapcountFamily {
  readonly id: string = 'linux-6.10'
  readonly description: StrategyDescription = {
    kernels: 'v6.10–v6.11',
    summary: '_large_mapcount (O(1) folio_mapcount) + per-page _nr_pages_mapped updates; folio_likely_mapped_shared()',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount in page[1], ±1 each per entry; head _mapcount holds the page type',
  }
  readonly precision: StrategyPrecision = { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE }
  protected readonly hugetlbLarge: boolean = true

  protected override largeAdd(f: FolioState, d: number, _mm: number): void {
    f.rmw(1)
    f.large += d
  }

  protected override largeSub(f: FolioState, d: number, _mm: number): void {
    f.rmw(1)
    f.large -= d
  }

  protected override setLarge(f: FolioState, count: number, _mm: number): void {
    f.large = count - 1
    f.store(1)
  }

  protected override folioMapcountOf(f: FolioState): number {
    return f.isLarge ? f.large + 1 : f.mcOf(0) + 1
  }

  /** folio_likely_mapped_shared() */
  protected mappedSharedOf(f: FolioState): boolean {
    const m = f.large + 1
    if (m <= 1) return false
    if (f.entire + 1 > 0 || m > f.n) return true
    return f.mcOf(0) > 0
  }

  /** HugeTLB: !folio_likely_mapped_shared() (mapcount ≤ 1); PMD-table sharing is not modelled */
  protected override pagemapExclusiveOf(f: FolioState, i: number, level: 'pte' | 'pmd' | 'pud'): boolean {
    if (f.hugetlb) return f.entire + 1 === 1
    return super.pagemapExclusiveOf(f, i, level)
  }
}

/** linux610 - the v6.10–v6.11 strategy. */
export const linux610 = new Linux610()
