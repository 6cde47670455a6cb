import type { MmEvent } from '../events/mmEvent.ts'
import { EVENT_CODE } from '../events/schema.ts'
import {
  folioAllocated, folioFreed, folioMigrated, folioSplit, folioSplitFailed, hugetlbAnonDuplicated, hugetlbPoolGrown, hugetlbPoolShrunk,
  hugetlbRmapAdded, hugetlbRmapRemoved, hvoOptimized, hvoRestored,
} from './truthFolio.ts'
import {
  anonRmapAdded, anonRmapDuplicated, anonRmapReused, anonRmapShared, collapseCompleted, fileRmapAdded, fileRmapDuplicated,
  newAnonRmapAdded, pmdRemapped, rmapRemoved, zeroPageMapped, zeroPageUnmapped,
} from './truthRmap.ts'
import { hugetlbHgmEnabled, hugetlbHgmRmapAdded, hugetlbHgmRmapRemoved, hugetlbHgmTableAllocated } from './truthHgm.ts'
import type { TruthState } from './truthState.ts'
import {
  processCreated, processExited, processForked, vmaAdvised, vmaMapped, vmaMoved, vmaProtected, vmaUnmapped,
} from './truthVma.ts'

const C = EVENT_CODE

/** assertNever - a switch over event types left one out (compile time), or a value from outside the type (run time). */
function unknownType(t: TruthState, e: never): void {
  const type = String((e as { type: unknown }).type)
  t.countOther(type)
  t.violate(`unknown event type '${type}'`)
}

/**
 * applyTruthEvent - count event @e and apply it to @t. Total: a broken precondition is a violation and
 * changes nothing. A switch on the type string (V8 compares internalized strings by pointer) with one case
 * per type; a new event type that is not handled here is a compile error (the `never` in the default).
 */
export function applyTruthEvent(t: TruthState, e: MmEvent): void {
  switch (e.type) {
    case 'rmap/anonDuplicated': t.count(C['rmap/anonDuplicated']); return anonRmapDuplicated(t, e)
    case 'rmap/removed': t.count(C['rmap/removed']); return rmapRemoved(t, e)
    case 'rmap/newAnonAdded': t.count(C['rmap/newAnonAdded']); return newAnonRmapAdded(t, e)
    case 'folio/allocated': t.count(C['folio/allocated']); return folioAllocated(t, e)
    case 'folio/freed': t.count(C['folio/freed']); return folioFreed(t, e)
    case 'rmap/anonReused': t.count(C['rmap/anonReused']); return anonRmapReused(t, e)
    case 'rmap/anonShared': t.count(C['rmap/anonShared']); return anonRmapShared(t, e)
    case 'rmap/anonAdded': t.count(C['rmap/anonAdded']); return anonRmapAdded(t, e)
    case 'rmap/fileAdded': t.count(C['rmap/fileAdded']); return fileRmapAdded(t, e)
    case 'rmap/fileDuplicated': t.count(C['rmap/fileDuplicated']); return fileRmapDuplicated(t, e)
    case 'zeropage/mapped': t.count(C['zeropage/mapped']); return zeroPageMapped(t, e)
    case 'zeropage/unmapped': t.count(C['zeropage/unmapped']); return zeroPageUnmapped(t, e)
    case 'pmd/remapped': t.count(C['pmd/remapped']); return pmdRemapped(t, e)
    case 'collapse/completed': t.count(C['collapse/completed']); return collapseCompleted(t, e)
    case 'folio/split': t.count(C['folio/split']); return folioSplit(t, e)
    case 'folio/migrated': t.count(C['folio/migrated']); return folioMigrated(t, e)
    case 'process/created': t.count(C['process/created']); return processCreated(t, e)
    case 'process/forked': t.count(C['process/forked']); return processForked(t, e)
    case 'process/exited': t.count(C['process/exited']); return processExited(t, e)
    case 'vma/mapped': t.count(C['vma/mapped']); return vmaMapped(t, e)
    case 'vma/unmapped': t.count(C['vma/unmapped']); return vmaUnmapped(t, e)
    case 'vma/moved': t.count(C['vma/moved']); return vmaMoved(t, e)
    case 'vma/protected': t.count(C['vma/protected']); return vmaProtected(t, e)
    case 'vma/advised': t.count(C['vma/advised']); return vmaAdvised(t, e)
    case 'hugetlb/rmapAdded': t.count(C['hugetlb/rmapAdded']); return hugetlbRmapAdded(t, e)
    case 'hugetlb/rmapRemoved': t.count(C['hugetlb/rmapRemoved']); return hugetlbRmapRemoved(t, e)
    case 'hugetlb/anonDuplicated': t.count(C['hugetlb/anonDuplicated']); return hugetlbAnonDuplicated(t, e)
    case 'hugetlb/poolGrown': t.count(C['hugetlb/poolGrown']); return hugetlbPoolGrown(t, e)
    case 'hugetlb/poolShrunk': t.count(C['hugetlb/poolShrunk']); return hugetlbPoolShrunk(t, e)
    case 'hvo/optimized': t.count(C['hvo/optimized']); return hvoOptimized(t, e)
    case 'hvo/restored': t.count(C['hvo/restored']); return hvoRestored(t, e)
    case 'check/marked': t.count(C['check/marked']); return
    case 'hugetlb/hgmEnabled': t.count(C['hugetlb/hgmEnabled']); return hugetlbHgmEnabled(t, e)
    case 'hugetlb/hgmRmapAdded': t.count(C['hugetlb/hgmRmapAdded']); return hugetlbHgmRmapAdded(t, e)
    case 'hugetlb/hgmRmapRemoved': t.count(C['hugetlb/hgmRmapRemoved']); return hugetlbHgmRmapRemoved(t, e)
    case 'hugetlb/hgmTableAllocated': t.count(C['hugetlb/hgmTableAllocated']); return hugetlbHgmTableAllocated(t, e)
    case 'folio/splitFailed': t.count(C['folio/splitFailed']); return folioSplitFailed(t, e)
    default: return unknownType(t, e)
  }
}
