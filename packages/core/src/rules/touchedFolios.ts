/**
 * Which folios an event may change the answers of, and which folios' "partially mapped" answer the kernel
 * does not promise (the taint rule) — the one home of both rules: the divergence scanner (analysis) and the
 * strategy contract suite (testing) compare schemes with the ground truth on exactly these folios.
 */
import type { MmEvent } from '../events/mmEvent.ts'

/**
 * touchedFoliosInto - the head PFNs of live folios whose answers event @e may change, computed BEFORE it
 * is applied (a split needs the old order: @headOrder(pfn) is the order of the folio headed at pfn, or −1),
 * written into @out from index 0 (reused by the caller: no allocation per event); @returns how many were
 * written (entries past it are stale). Only events naming a folio change mapcount state: process and VMA
 * events require their range to be zapped first.
 */
export function touchedFoliosInto(e: MmEvent, headOrder: (pfn: number) => number, out: number[]): number {
  switch (e.type) {
    case 'folio/split': {
      const order = e.folio >= 0 ? headOrder(e.folio) : -1
      if (order < 0) return 0
      let n = 0
      for (let p = e.folio; p < e.folio + 2 ** order; p += 2 ** e.newOrder) out[n++] = p
      return n
    }
    case 'folio/migrated':
      out[0] = e.newFolio
      return 1
    case 'folio/freed':
    case 'hugetlb/poolShrunk':
      return 0
    default: {
      const folio = (e as { folio?: unknown }).folio
      if (typeof folio !== 'number') return 0
      out[0] = folio
      return 1
    }
  }
}

/**
 * taintPartiallyMapped - update @tainted, the head PFNs whose "partially mapped" answer is not promised,
 * after event @e touched @pfns[0..@n). The kernel decides "partially mapped" only when an rmap removal
 * unmaps pages: folios that became partially mapped otherwise (a split, a migration, a non-new add of part
 * of a folio) are tainted for the rest of their life; a folio's allocation and its free end the taint of
 * that PFN (a new folio there starts clean).
 */
export function taintPartiallyMapped(e: MmEvent, pfns: readonly number[], n: number, tainted: Set<number>): void {
  if (e.type === 'folio/split' || e.type === 'folio/migrated') for (let k = 0; k < n; k++) tainted.add(pfns[k]!)
  else if (e.type === 'rmap/anonAdded') tainted.add(e.folio)
  else if (e.type === 'folio/allocated' || e.type === 'folio/freed') tainted.delete(e.folio)
}
