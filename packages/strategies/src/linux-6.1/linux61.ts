import type { Level } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { NO_HGM_RULE, SchemeBase } from '../schemeBase.ts'
import type { StrategyDescription } from '../strategy.ts'
import { W } from '../schemeChunk.ts'
import { RMAP_ERA_61, type RmapEra } from '../rmapCalls.ts'

/**
 * Linux61 - the legacy scheme, ≤ v6.1 (docs/mapcount-schemes.md §1, verified against 6.1 mm/rmap.c and
 * mm/huge_memory.c::__split_huge_pmd_locked): per-page `_mapcount`, `compound_mapcount` in page[1],
 * PG_double_map. Anon THP: while PG_double_map is set every page's `_mapcount` carries a +1 offset; it is
 * set when a PMD is split while another PMD survives and dropped with the last PMD. File THP: a PMD mapping
 * increments every page's `_mapcount` as well (N atomics); every PTE map of a file THP page set_bit()s
 * PG_double_map. No batching: an event of n pages is n calls. Anon mTHP did not exist in 6.1; large anon
 * folios mapped by PTEs follow the same per-page rules (an extrapolation).
 */
class Linux61 extends SchemeBase {
  readonly id: string = 'linux-6.1'
  readonly description: StrategyDescription = {
    kernels: '≤ v6.1 (since the 2016 THP refcount rework)',
    summary: 'per-page _mapcount, compound_mapcount, PageDoubleMap (+1 offset); file PMD maps touch every subpage',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': 'compound_mapcount, compound_pincount, flags (PG_double_map)',
      'page[2]': 'deferred_list',
      'every page': '_mapcount on PTE map; +1 offset on all when DoubleMap toggles (anon); on every PMD map/unmap of a file THP; flags (PAE)',
    },
    hugetlb: 'compound_mapcount in page[1] only (hugepage_add_*_rmap, page_dup_file_rmap, page_remove_rmap(compound)); subpages untouched',
  }
  readonly precision = { mappedShared: 'estimate', partiallyMapped: 'maybe', hgm: NO_HGM_RULE } as const
  protected readonly hugetlbLarge = false
  protected override readonly rmapEra: RmapEra = RMAP_ERA_61

  private queueDeferred(f: FolioState): void {
    if (f.deferred) return // deferred_split_huge_page(): already on the list
    f.deferred = true
    f.store(2)
  }

  /** the order-0 rules are the common ones while newAnon/add/remove/dup are these (SchemeBase.applySmall) */
  protected override smallFolioRulesCommon(): boolean {
    const p = Linux61.prototype
    return this.newAnon === p.newAnon && this.add === p.add && this.remove === p.remove && this.dup === p.dup
  }

  protected newAnon(f: FolioState, level: Level): void {
    if (level !== 'pte') {
      f.entire = 0 // compound_mapcount := 0, compound_pincount := 0
      f.store(1)
      return
    }
    f.fillMapcounts(0)
    f.touchRange(0, f.n)
  }

  protected add(f: FolioState, i: number, n: number, level: Level): void {
    const mc = f.w
    if (level === 'pte') {
      for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]!++
      f.rmwRange(i, n)
      if (f.isLarge && f.fileLike) {
        // SetPageDoubleMap(compound_head(page)) on every PTE map of a file THP page
        f.doubleMap = true
        f.rmwRange(1, 1)
        f.atomics += n - 1
      }
      return
    }
    if (f.fileLike) {
      let nr = 0
      for (let k = f.b, e = f.pi(f.n); k < e; k += W) if (++mc[k]! === 0) nr++
      f.rmwRange(0, f.n)
      f.rmw(1)
      if (++f.entire === 0 && nr === f.n && f.doubleMap) {
        f.rmw(1) // ClearPageDoubleMap
        f.doubleMap = false
      }
      return
    }
    f.rmw(1)
    f.entire++
  }

  protected remove(f: FolioState, i: number, n: number, level: Level): void {
    const mc = f.w
    if (level === 'pte') {
      let last = 0
      for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) if (--mc[k]! < 0) last++
      f.rmwRange(i, n)
      if (last > 0 && f.anon && f.isLarge) this.queueDeferred(f)
      return
    }
    if (f.fileLike) {
      for (let k = f.b, e = f.pi(f.n); k < e; k += W) mc[k]!--
      f.rmwRange(0, f.n)
      f.rmw(1)
      f.entire--
      return
    }
    f.rmw(1)
    if (--f.entire >= 0) return
    f.rmw(1) // TestClearPageDoubleMap
    if (!f.doubleMap) return
    f.doubleMap = false
    let nr = 0
    for (let k = f.b, e = f.pi(f.n); k < e; k += W) if (--mc[k]! < 0) nr++
    f.rmwRange(0, f.n)
    if (nr > 0 && nr < f.n) this.queueDeferred(f)
  }

  /**
   * page_try_dup_anon_rmap() / page_dup_file_rmap(). 6.1 never copies a file THP's PMD at fork
   * (copy_huge_pmd() is anon-only: the child faults it in later), so a file PMD "dup" is modelled as that
   * fault: page_add_file_rmap(compound), which keeps the file THP rule (every PMD in every subpage).
   */
  protected dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level !== 'pte' && f.fileLike) return this.add(f, i, n, level)
    void mm
    if (level === 'pte') {
      const mc = f.w
      for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]!++
      f.rmwRange(i, n)
      return
    }
    f.rmw(1)
    f.entire++
  }

  /** __split_huge_pmd_locked() of 6.1: raw increments, the DoubleMap offset, then the compound decrement */
  protected override remap(f: FolioState, mm: number, exclusive: boolean): void {
    if (!f.anon) return super.remap(f, mm, exclusive) // file THP: the PMD is zapped, PTEs fault back in
    const mc = f.w
    const end = f.pi(f.n)
    if (exclusive) f.setPae(0, f.n)
    for (let k = f.b; k < end; k += W) mc[k]!++
    f.rmwRange(0, f.n)
    if (f.entire + 1 > 1) {
      f.rmw(1) // TestSetPageDoubleMap
      if (!f.doubleMap) {
        f.doubleMap = true
        for (let k = f.b; k < end; k += W) mc[k]!++
        f.rmwRange(0, f.n)
      }
    }
    f.rmw(1)
    if (--f.entire < 0) {
      f.rmw(1) // TestClearPageDoubleMap
      if (f.doubleMap) {
        f.doubleMap = false
        for (let k = f.b; k < end; k += W) mc[k]!--
        f.rmwRange(0, f.n)
      }
    }
  }

  // ---- queries (§1.4) --------------------------------------------------------------------------

  protected folioMapcountOf(f: FolioState): number {
    if (!f.isLarge) return f.mcOf(0) + 1
    if (f.hugetlb) return f.entire + 1
    let sum = 0
    for (let k = f.b, e = f.pi(f.n); k < e; k += W) sum += f.w[k]! + 1
    if (f.fileLike) return f.entire + 1 + sum - (f.entire + 1) * f.n
    return f.entire + 1 + sum - (f.doubleMap ? f.n : 0)
  }

  protected pageMapcountOf(f: FolioState, i: number): number {
    const own = f.mcOf(i) + 1
    if (!f.isLarge || f.fileLike) return own
    return own + f.entire + 1 - (f.doubleMap ? 1 : 0)
  }

  /** no count of mapped pages exists before v6.2 */
  protected nrPagesMappedOf(): number | null {
    return null
  }

  /** callers of the era looked at page_mapcount(head) > 1 */
  protected mappedSharedOf(f: FolioState): boolean {
    return this.pageMapcountOf(f, 0) > 1
  }

  protected partiallyMappedOf(f: FolioState): boolean | null {
    return f.deferred
  }

  protected kpagecountOf(f: FolioState, i: number): number {
    return this.pageMapcountOf(f, i)
  }

  /** PTE: page_mapcount(page) == 1; PMD and HugeTLB: page_mapcount(head) == 1 for every entry */
  protected pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean {
    return this.pageMapcountOf(f, level === 'pte' && !f.hugetlb ? i : 0) === 1
  }

  /** §8.3 legacy: PG_double_map ⇒ compound_mapcount ≥ 0 (anon THP) */
  protected override invariantsOf(f: FolioState): string[] {
    return f.anon && f.doubleMap && f.entire < 0 ? ['PG_double_map set without a PMD mapping'] : []
  }

  /** an order-0 folio is clean exactly when its `_mapcount` is −1 while freeCheckOf is this one (SchemeBase.smallFreeCheckCommon) */
  protected override smallFreeCheckCommon(): boolean {
    return this.freeCheckOf === Linux61.prototype.freeCheckOf
  }

  protected freeCheckOf(f: FolioState): string | null {
    for (let k = 0; k < f.n; k++) if (f.mcOf(k) !== -1) return `nonzero mapcount (page ${k}: ${f.mcOf(k) + 1})`
    if (f.isLarge && f.entire !== -1) return 'nonzero compound_mapcount'
    return null
  }
}

/** linux61 - the ≤ v6.1 strategy. */
export const linux61 = new Linux61()
