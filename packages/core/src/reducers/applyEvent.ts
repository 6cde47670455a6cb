import type { EventOf, MmEvent } from '../events/mmEvent.ts'
import type { EventType } from '../events/schema.ts'
import type { Txn } from '../state/txn.ts'
import { hugetlbHgmEnabled, hugetlbHgmRmapAdded, hugetlbHgmRmapRemoved, hugetlbHgmTableAllocated } from './hgm.ts'
import { folioAllocated, folioFreed, folioMigrated, folioSplit, folioSplitFailed } from './folio.ts'
import {
  hugetlbAnonDuplicated, hugetlbPoolGrown, hugetlbPoolShrunk, hugetlbRmapAdded, hugetlbRmapRemoved, hvoOptimized, hvoRestored,
} from './hugetlb.ts'
import { processCreated, processExited, processForked } from './process.ts'
import {
  anonRmapAdded, anonRmapDuplicated, anonRmapReused, anonRmapShared, collapseCompleted, fileRmapAdded, fileRmapDuplicated,
  newAnonRmapAdded, pmdRemapped, rmapRemoved, zeroPageMapped, zeroPageUnmapped,
} from './rmap.ts'
import { vmaAdvised, vmaMapped, vmaMoved, vmaProtected, vmaUnmapped } from './vma.ts'

/** CaseReducers - one reducer per event type; a missing case is a compile error. */
export type CaseReducers = { [T in EventType]: (tx: Txn, e: EventOf<T>) => void }

/** caseReducers - the ground-truth page-table/folio reducers, by event type. */
export const caseReducers: CaseReducers = {
  'process/created': processCreated,
  'process/forked': processForked,
  'process/exited': processExited,
  'vma/mapped': vmaMapped,
  'vma/unmapped': vmaUnmapped,
  'vma/moved': vmaMoved,
  'vma/protected': vmaProtected,
  'vma/advised': vmaAdvised,
  'folio/allocated': folioAllocated,
  'folio/freed': folioFreed,
  'folio/split': folioSplit,
  'folio/migrated': folioMigrated,
  'rmap/newAnonAdded': newAnonRmapAdded,
  'rmap/anonAdded': anonRmapAdded,
  'rmap/fileAdded': fileRmapAdded,
  'rmap/removed': rmapRemoved,
  'rmap/anonDuplicated': anonRmapDuplicated,
  'rmap/fileDuplicated': fileRmapDuplicated,
  'rmap/anonShared': anonRmapShared,
  'rmap/anonReused': anonRmapReused,
  'pmd/remapped': pmdRemapped,
  'collapse/completed': collapseCompleted,
  'zeropage/mapped': zeroPageMapped,
  'zeropage/unmapped': zeroPageUnmapped,
  'hugetlb/rmapAdded': hugetlbRmapAdded,
  'hugetlb/rmapRemoved': hugetlbRmapRemoved,
  'hugetlb/anonDuplicated': hugetlbAnonDuplicated,
  'hugetlb/poolGrown': hugetlbPoolGrown,
  'hugetlb/poolShrunk': hugetlbPoolShrunk,
  'hvo/optimized': hvoOptimized,
  'hvo/restored': hvoRestored,
  'check/marked': () => {},
  'hugetlb/hgmEnabled': hugetlbHgmEnabled,
  'hugetlb/hgmRmapAdded': hugetlbHgmRmapAdded,
  'hugetlb/hgmRmapRemoved': hugetlbHgmRmapRemoved,
  'hugetlb/hgmTableAllocated': hugetlbHgmTableAllocated,
  'folio/splitFailed': folioSplitFailed,
}

/**
 * applyEvent - apply one event to the transaction @tx. Total: a broken precondition is recorded as a
 * violation with the event's sequence number and changes nothing.
 */
export function applyEvent(tx: Txn, e: MmEvent): void {
  tx.begin(e.type, e.cause)
  const r = caseReducers[e.type] as ((tx: Txn, e: MmEvent) => void) | undefined
  if (r === undefined) tx.violate(`unknown event type '${String(e.type)}'`)
  else r(tx, e)
  tx.end()
}
