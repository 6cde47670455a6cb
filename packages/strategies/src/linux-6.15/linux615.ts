import {
  addReturnLargeMapcount, type Level, maybeMappedShared, setLargeMapcount, slotInvariants, slotsFreeCheck, subReturnLargeMapcount,
} from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { Linux612 } from '../linux-6.12/linux612.ts'
import type { StrategyDescription, StrategyPrecision } from '../strategy.ts'
import { NO_HGM_RULE } from '../schemeBase.ts'

/**
 * Linux615 - v6.15+ with CONFIG_PAGE_MAPCOUNT=y, the scheme this machine's 6.18 runs (docs/mapcount-schemes.md
 * §3.3, §4.2, §6): the v6.12 counters plus MM owner tracking — `_large_mapcount` is updated under the
 * `_mm_ids` bit-spinlock together with two (mm id, per-MM mapcount) slots and the "maybe mapped shared" bit.
 * folio_maybe_mapped_shared() never misses a shared folio. Pagemap bit 56 of a PMD entry is decided by
 * the head page again for all 512 entries (§9 item 3, docs/kernel-behaviour.md verified #2).
 */
export class Linux615 extends Linux612 {
  override readonly id: string = 'linux-6.15'
  override readonly description: StrategyDescription = {
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
  }
  override readonly precision: StrategyPrecision = { mappedShared: 'maybe', partiallyMapped: 'maybe', hgm: NO_HGM_RULE }

  protected override largeAdd(f: FolioState, d: number, mm: number): void {
    f.bitLock()
    addReturnLargeMapcount(f, d, mm)
  }

  protected override largeSub(f: FolioState, d: number, mm: number): void {
    f.bitLock()
    subReturnLargeMapcount(f, d, mm)
  }

  protected override setLarge(f: FolioState, count: number, mm: number): void {
    setLargeMapcount(f, count, mm)
    f.store(1)
  }

  protected override mappedSharedOf(f: FolioState): boolean {
    return maybeMappedShared(f)
  }

  /** PTE: K(page) == 1; PMD: K(head) == 1 for every entry (`page`, not `page + idx`); HugeTLB: !maybe_shared */
  protected override pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean {
    if (f.hugetlb) return f.entire + 1 === 1
    return this.pageMapcountOf(f, level === 'pte' ? i : 0) === 1
  }

  protected override invariantsOf(f: FolioState): string[] {
    return super.invariantsOf(f).concat(f.isLarge && !f.hugetlb ? slotInvariants(f) : [])
  }

  /** an order-0 folio is clean exactly when its `_mapcount` is −1 while freeCheckOf is this one (SchemeBase.smallFreeCheckCommon) */
  protected override smallFreeCheckCommon(): boolean {
    return this.freeCheckOf === Linux615.prototype.freeCheckOf
  }

  protected override freeCheckOf(f: FolioState): string | null {
    return super.freeCheckOf(f) ?? slotsFreeCheck(f)
  }
}

/** linux615 - the v6.15+ CONFIG_PAGE_MAPCOUNT strategy. */
export const linux615 = new Linux615()
