import { HPAGE_PMD_ORDER, type Level } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import type { DeferredSplitRule } from './pageMapcountRules.ts'

/** folio_test_partially_mapped() as the deferred-split queue membership of a large anon folio of order ≥ 2 */
const queuedIfOrderAbove1 = (f: FolioState): boolean | null => (f.order <= 1 ? null : f.deferred)

/**
 * DEFERRED_SPLIT_PMD_MAPPABLE - v6.2–v6.7: only a PMD-mappable anon folio is queued, when a PTE removal
 * unmapped pages or a PMD removal left some mapped (anon mTHP did not exist; other large anon folios keep
 * the same counter rules, an extrapolation).
 */
export const DEFERRED_SPLIT_PMD_MAPPABLE: DeferredSplitRule = {
  queue(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order !== HPAGE_PMD_ORDER) return
    if ((level === 'pte' || nr < nrPmdmapped) && !f.deferred) {
      f.deferred = true
      f.store(2)
    }
  },
  partiallyMapped: (f) => (f.order === HPAGE_PMD_ORDER ? f.deferred : null),
}

/**
 * DEFERRED_SPLIT_ANY_PTE_UNMAP - v6.8–v6.9 (docs/mapcount-schemes.md §9 item 2): any large anon folio of
 * order ≥ 2 is queued when a PTE removal unmapped pages — even when that leaves it fully unmapped.
 */
export const DEFERRED_SPLIT_ANY_PTE_UNMAP: DeferredSplitRule = {
  queue(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order <= 1) return
    if ((level === 'pte' || nr < nrPmdmapped) && !f.deferred) {
      f.deferred = true
      f.store(2)
    }
  },
  partiallyMapped: queuedIfOrderAbove1,
}

/**
 * DEFERRED_SPLIT_PARTIALLY_MAPPED - v6.10–v6.11 (Zi Yan's fix): queued only if the remove left the folio
 * partially mapped (some pages still PTE-mapped, or a PMD removal that left pages mapped), once.
 */
export const DEFERRED_SPLIT_PARTIALLY_MAPPED: DeferredSplitRule = {
  queue(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || !f.isLarge || f.order <= 1) return
    const partially = level === 'pte' ? f.mapped !== 0 : nr < nrPmdmapped
    if (partially && !f.deferred) {
      f.deferred = true
      f.store(2) // _deferred_list
    }
  },
  partiallyMapped: queuedIfOrderAbove1,
}

/**
 * DEFERRED_SPLIT_PG_PARTIALLY_MAPPED - v6.12+: the v6.10 decision, and deferred_split_folio(folio, true)
 * sets PG_partially_mapped in page[1].flags as it queues on page[2].
 */
export const DEFERRED_SPLIT_PG_PARTIALLY_MAPPED: DeferredSplitRule = {
  queue(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order <= 1) return
    const partially = level === 'pte' ? f.mapped !== 0 : nr < nrPmdmapped
    if (partially && !f.deferred) {
      f.deferred = true
      f.store(1)
      f.store(2)
    }
  },
  partiallyMapped: queuedIfOrderAbove1,
}
