import { addReturnLargeMapcount, setLargeMapcount, slotInvariants, slotsFreeCheck, subReturnLargeMapcount } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import type { LargeMapcountRule } from './pageMapcountRules.ts'

const noInvariants = (): string[] => []
const noFreeCheck = (): string | null => null

/** LARGE_MAPCOUNT_NONE - ≤ v6.9: no `_large_mapcount` (folio_mapcount() sums the per-page counts). */
export const LARGE_MAPCOUNT_NONE: LargeMapcountRule = {
  tracked: false,
  add: () => {},
  sub: () => {},
  set: () => {},
  invariants: noInvariants,
  freeCheck: noFreeCheck,
}

/** LARGE_MAPCOUNT_ATOMIC - v6.10–v6.14 (docs/mapcount-schemes.md §3.3): `_large_mapcount` in page[1], one atomic add/sub per rmap call. */
export const LARGE_MAPCOUNT_ATOMIC: LargeMapcountRule = {
  tracked: true,
  add(f: FolioState, d: number): void {
    f.rmw(1)
    f.large += d
  },
  sub(f: FolioState, d: number): void {
    f.rmw(1)
    f.large -= d
  },
  set(f: FolioState, count: number): void {
    f.large = count - 1
    f.store(1)
  },
  invariants: noInvariants,
  freeCheck: noFreeCheck,
}

/**
 * LARGE_MAPCOUNT_MM_OWNER - v6.15+ with CONFIG_PAGE_MAPCOUNT=y (docs/mapcount-schemes.md §4.2, §6):
 * `_large_mapcount` updated under the `_mm_ids` bit-spinlock together with two (mm id, per-MM mapcount)
 * slots and the "maybe mapped shared" bit (the shared rule in @mmsim/core's mmIdSlots.ts).
 */
export const LARGE_MAPCOUNT_MM_OWNER: LargeMapcountRule = {
  tracked: true,
  add(f: FolioState, d: number, mm: number): void {
    f.bitLock()
    addReturnLargeMapcount(f, d, mm)
  },
  sub(f: FolioState, d: number, mm: number): void {
    f.bitLock()
    subReturnLargeMapcount(f, d, mm)
  },
  set(f: FolioState, count: number, mm: number): void {
    setLargeMapcount(f, count, mm)
    f.store(1)
  },
  invariants: slotInvariants,
  freeCheck: slotsFreeCheck,
}
