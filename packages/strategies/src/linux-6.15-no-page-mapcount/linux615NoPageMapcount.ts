import {
  addReturnLargeMapcount, type Level, maybeMappedShared, setLargeMapcount, slotInvariants, slotsFreeCheck, subReturnLargeMapcount,
} from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { NO_HGM_RULE, SchemeBase } from '../schemeBase.ts'
import type { StrategyDescription } from '../strategy.ts'

/**
 * Linux615NoPageMapcount - v6.15+ with CONFIG_NO_PAGE_MAPCOUNT=y (docs/mapcount-schemes.md §4.4–§4.5, checked
 * against 6.18 mm/rmap.c::__folio_add_rmap/__folio_remove_rmap and include/linux/rmap.h): large folios keep
 * only `_large_mapcount` (with the MM slots), `_entire_mapcount` and PAE; no per-page `_mapcount`, no
 * `_nr_pages_mapped`. Per-page mapcounts are not tracked; /proc/kpagecount reports the folio's average
 * page mapcount; pagemap bit 56 of any page of a large folio is !folio_maybe_mapped_shared(); partial
 * mapping is detected only while one MM maps the folio (so the deferred-split answer is an estimate).
 * Small folios keep their `_mapcount`.
 */
class Linux615NoPageMapcount extends SchemeBase {
  readonly id: string = 'linux-6.15-no-page-mapcount'
  readonly description: StrategyDescription = {
    kernels: 'v6.15–v6.18 (CONFIG_NO_PAGE_MAPCOUNT=y, experimental)',
    summary: 'MM owner tracking without per-page mapcounts: _large_mapcount + _entire_mapcount + MM slots only',
    words: {
      'page[0]': 'flags (PAE), mapping, index (head _mapcount untouched for large folios)',
      'page[1]': '_large_mapcount, _entire_mapcount, _mm_id_mapcount[2], _mm_ids (no _nr_pages_mapped), flags (PG_partially_mapped)',
      'page[2]': '_deferred_list',
      'every page': 'flags (PAE) only',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount (plain atomics, no MM slots) in page[1]; head _mapcount = page type',
  }
  readonly precision = { mappedShared: 'maybe', partiallyMapped: 'estimate', hgm: NO_HGM_RULE } as const
  protected readonly hugetlbLarge = true

  private deferredSplit(f: FolioState, partially: boolean): void {
    if (partially && f.anon && f.order > 1 && !f.deferred) {
      f.deferred = true
      f.store(1)
      f.store(2)
    }
  }

  /** the order-0 rules are the common ones while newAnon/add/remove/dup are these (SchemeBase.applySmall) */
  protected override smallFolioRulesCommon(): boolean {
    const p = Linux615NoPageMapcount.prototype
    return this.newAnon === p.newAnon && this.add === p.add && this.remove === p.remove && this.dup === p.dup
  }

  protected newAnon(f: FolioState, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.w[f.b] = 0
      f.store(0)
      return
    }
    if (level !== 'pte') f.entire = 0
    setLargeMapcount(f, level === 'pte' ? f.n : 1, mm)
    f.store(1)
  }

  protected add(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!++
        return
      }
      f.bitLock()
      addReturnLargeMapcount(f, n, mm)
      return
    }
    f.rmw(1)
    f.entire++
    f.bitLock()
    addReturnLargeMapcount(f, 1, mm)
  }

  protected remove(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!--
        return
      }
      f.bitLock()
      const left = subReturnLargeMapcount(f, n, mm)
      if (left !== 0) this.deferredSplit(f, left < f.n && f.entire + 1 === 0)
      return
    }
    f.rmw(1)
    const last = --f.entire < 0
    f.bitLock()
    const left = subReturnLargeMapcount(f, 1, mm)
    if (left !== 0) this.deferredSplit(f, last && left < f.n)
  }

  protected dup(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!++
        return
      }
      f.bitLock()
      addReturnLargeMapcount(f, n, mm)
      return
    }
    f.rmw(1)
    f.entire++
    f.bitLock()
    addReturnLargeMapcount(f, 1, mm)
  }

  // ---- queries -------------------------------------------------------------------------------

  protected folioMapcountOf(f: FolioState): number {
    return f.isLarge ? f.large + 1 : f.mcOf(0) + 1
  }

  protected pageMapcountOf(f: FolioState, _i: number): number | null {
    return f.isLarge ? null : f.mcOf(0) + 1
  }

  protected nrPagesMappedOf(): number | null {
    return null
  }

  protected mappedSharedOf(f: FolioState): boolean {
    return maybeMappedShared(f)
  }

  protected partiallyMappedOf(f: FolioState): boolean | null {
    return f.order <= 1 ? null : f.deferred
  }

  /** folio_average_page_mapcount() for every page of a large folio (fs/proc/internal.h) */
  protected kpagecountOf(f: FolioState, _i: number): number {
    if (!f.isLarge) return f.mcOf(0) + 1
    let m = f.large + 1
    if (m <= 0) return 0
    const e = f.entire + 1
    if (m <= e) return e
    m -= e
    const avg = Math.floor((m + f.n / 2) / f.n)
    return Math.max(avg + e, 1)
  }

  /** small: mapcount == 1; large: !folio_maybe_mapped_shared() for every page and entry; HugeTLB: mapcount ≤ 1 */
  protected pagemapExclusiveOf(f: FolioState): boolean {
    if (!f.isLarge) return f.mcOf(0) + 1 === 1
    if (f.hugetlb) return f.entire + 1 === 1
    return !maybeMappedShared(f)
  }

  /** §8.3: HugeTLB large = entire; MM slots (§4.2); tail `_mapcount`s never written */
  protected override invariantsOf(f: FolioState): string[] {
    if (!f.isLarge) return []
    if (f.hugetlb) return f.large === f.entire ? [] : [`HugeTLB _large_mapcount ${f.large} ≠ _entire_mapcount ${f.entire}`]
    const bad = slotInvariants(f)
    if (f.anyPageMapcount()) bad.push('a per-page _mapcount of a large folio was written')
    if (f.mapped !== 0) bad.push('_nr_pages_mapped was written')
    return bad
  }

  /** an order-0 folio is clean exactly when its `_mapcount` is −1 while freeCheckOf is this one (SchemeBase.smallFreeCheckCommon) */
  protected override smallFreeCheckCommon(): boolean {
    return this.freeCheckOf === Linux615NoPageMapcount.prototype.freeCheckOf
  }

  protected freeCheckOf(f: FolioState): string | null {
    if (!f.isLarge && f.mcOf(0) !== -1) return 'nonzero mapcount'
    if (f.isLarge && f.entire !== -1) return 'nonzero entire_mapcount'
    if (f.large !== -1) return 'nonzero large_mapcount'
    return slotsFreeCheck(f)
  }
}

/** linux615NoPageMapcount - the v6.15+ CONFIG_NO_PAGE_MAPCOUNT strategy. */
export const linux615NoPageMapcount = new Linux615NoPageMapcount()
