import { maybeMappedShared } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { precisePageMapcount } from './pageMapcount.ts'

/**
 * headPageMapcountShared - ≤ v6.9: no folio-wide "shared?" yet: callers (madvise, NUMA;
 * folio_estimated_sharers() from v6.6) look at page_mapcount() of the first page > 1.
 */
export const headPageMapcountShared = (f: FolioState): boolean => precisePageMapcount(f, 0) > 1

/**
 * likelyMappedShared - folio_likely_mapped_shared() (v6.10–v6.14): not shared while mapped at most once;
 * shared when entirely mapped or mapped more often than it has pages; else the guess from the first page.
 */
export function likelyMappedShared(f: FolioState): boolean {
  const m = f.large + 1
  if (m <= 1) return false
  if (f.entire + 1 > 0 || m > f.n) return true
  return f.mcOf(0) > 0
}

/** maybeMappedSharedBit - folio_maybe_mapped_shared() (v6.15+): the MM-owner slots' answer, never misses a shared folio */
export const maybeMappedSharedBit = (f: FolioState): boolean => maybeMappedShared(f)
