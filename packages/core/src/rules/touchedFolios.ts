/**
 * Which folios an event may change the answers of, and which folios' "partially mapped" answer the kernel
 * does not promise (the taint rule) — the one home of both rules: the divergence scanner (analysis) and the
 * strategy contract suite (testing) compare schemes with the ground truth on exactly these folios.
 */
import type { MmEvent } from '../events/mmEvent.ts'
import { EVENT_CODE, EVENT_FIELDS, EVENT_TYPES, type EventType } from '../events/schema.ts'
import type { TruthColumns } from '../truth/truthColumns.ts'

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
    case 'folio/allocated':
    case 'folio/splitFailed':
    case 'rmap/newAnonAdded':
    case 'rmap/anonAdded':
    case 'rmap/fileAdded':
    case 'rmap/removed':
    case 'rmap/anonDuplicated':
    case 'rmap/fileDuplicated':
    case 'rmap/anonShared':
    case 'rmap/anonReused':
    case 'pmd/remapped':
    case 'collapse/completed':
    case 'zeropage/mapped':
    case 'zeropage/unmapped':
    case 'hugetlb/rmapAdded':
    case 'hugetlb/rmapRemoved':
    case 'hugetlb/anonDuplicated':
    case 'hugetlb/poolGrown':
    case 'hvo/optimized':
    case 'hvo/restored':
    case 'hugetlb/hgmRmapAdded':
    case 'hugetlb/hgmRmapRemoved':
      out[0] = e.folio
      return 1
    case 'process/created':
    case 'process/forked':
    case 'process/exited':
    case 'vma/mapped':
    case 'vma/unmapped':
    case 'vma/moved':
    case 'vma/protected':
    case 'vma/advised':
    case 'check/marked':
    case 'hugetlb/hgmEnabled':
    case 'hugetlb/hgmTableAllocated':
      return 0
    default:
      return unknownType(e, out)
  }
}

/** unknownType - an event of a type this version does not know (compile time: none is left out, @e is `never`): its `folio` field, if any, as before. */
function unknownType(e: never, out: number[]): number {
  const folio = (e as { folio?: unknown }).folio
  if (typeof folio !== 'number') return 0
  out[0] = folio
  return 1
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

const SPLIT = EVENT_CODE['folio/split']
const MIGRATED = EVENT_CODE['folio/migrated']
const FREED = EVENT_CODE['folio/freed']
const POOL_SHRUNK = EVENT_CODE['hugetlb/poolShrunk']
const ALLOCATED = EVENT_CODE['folio/allocated']
const ANON_ADDED = EVENT_CODE['rmap/anonAdded']
/** slotOf(t, name) - the column slot of field @name in events of type @t (−1: the type has none) */
const slotOf = (t: EventType, name: string): number => EVENT_FIELDS[t].findIndex((x: { name: string }) => x.name === name)
/** per EVENT_TYPES code: the slot of its `folio` field, or −1 */
const FOLIO_SLOT = Int32Array.from(EVENT_TYPES, (t) => slotOf(t, 'folio'))
const NEW_ORDER_SLOT = slotOf('folio/split', 'newOrder')
const NEW_FOLIO_SLOT = slotOf('folio/migrated', 'newFolio')

/**
 * touchedFoliosAt - {@link touchedFoliosInto} of event @i (type code @c ≥ 0) of a frame's integer columns
 * @w (this version's layout), read from the columns with no event object; same rule, same output.
 */
export function touchedFoliosAt(w: TruthColumns, i: number, c: number, headOrder: (pfn: number) => number, out: number[]): number {
  const S = w.slots
  if (c === SPLIT) {
    const folio = S[FOLIO_SLOT[c]!]![i]!
    const order = headOrder(folio)
    if (order < 0) return 0
    const step = 2 ** S[NEW_ORDER_SLOT]![i]!
    let n = 0
    for (let p = folio; p < folio + 2 ** order; p += step) out[n++] = p
    return n
  }
  if (c === MIGRATED) {
    out[0] = S[NEW_FOLIO_SLOT]![i]!
    return 1
  }
  const k = FOLIO_SLOT[c]!
  if (c === FREED || c === POOL_SHRUNK || k < 0) return 0
  out[0] = S[k]![i]!
  return 1
}

/** taintPartiallyMappedAt - {@link taintPartiallyMapped} of event @i (type code @c) of integer columns @w. */
export function taintPartiallyMappedAt(w: TruthColumns, i: number, c: number, pfns: readonly number[], n: number, tainted: Set<number>): void {
  if (c === SPLIT || c === MIGRATED) for (let k = 0; k < n; k++) tainted.add(pfns[k]!)
  else if (c === ANON_ADDED) tainted.add(w.slots[FOLIO_SLOT[c]!]![i]!)
  else if (c === ALLOCATED || c === FREED) tainted.delete(w.slots[FOLIO_SLOT[c]!]![i]!)
}
