export type { EventBase, FolioKind, Level, Pfn, Pid, VmaKind, Vpn } from './events/common.ts'
export type { FolioAllocated, FolioEvent, FolioFreed, FolioMigrated, FolioSplit, FolioSplitFailed } from './events/folio.ts'
export type {
  HugetlbAnonDuplicated, HugetlbEvent, HugetlbHgmEnabled, HugetlbHgmRmapAdded, HugetlbHgmRmapRemoved, HugetlbHgmTableAllocated, HugetlbPoolGrown, HugetlbPoolShrunk, HugetlbRmapAdded, HugetlbRmapRemoved,
  HvoOptimized, HvoRestored,
} from './events/hugetlb.ts'
export type { CheckMarked, MarkEvent } from './events/marks.ts'
export type { EventOf, MmEvent } from './events/mmEvent.ts'
export type { ProcessCreated, ProcessEvent, ProcessExited, ProcessForked } from './events/process.ts'
export type {
  AnonRmapAdded, AnonRmapDuplicated, AnonRmapReused, AnonRmapShared, CollapseCompleted, FileRmapAdded,
  FileRmapDuplicated, NewAnonRmapAdded, PmdRemapped, RmapEvent, RmapRemoved, ZeroPageMapped, ZeroPageUnmapped,
} from './events/rmap.ts'
export type { VmaAdvised, VmaEvent, VmaMapped, VmaMoved, VmaProtected, VmaUnmapped } from './events/vma.ts'
export type { EnumName, EventType, FieldKind, FieldSpec } from './events/schema.ts'
export { ENUMS, EVENT_FIELDS, EVENT_TYPES, isEventType, MAX_FIELDS, OPTIONAL_TYPES } from './events/schema.ts'
export { KERNEL_NAMES } from './events/kernelNames.ts'
export { mmEvent } from './events/factory.ts'
export type { CowTrie } from './state/cowTrie.ts'
export { trieForEach } from './state/cowTrie.ts'
export type { FolioRec, MmState, PmdSlot, Proc, ProcTables, Violation, Vma } from './state/mmState.ts'
export { emptyState } from './state/mmState.ts'
export { Txn } from './state/txn.ts'
export { applyEvents, replayBatched } from './state/applyEvents.ts'
export { stateDigest } from './state/stateDigest.ts'
export type { CaseReducers } from './reducers/applyEvent.ts'
export { applyEvent } from './reducers/applyEvent.ts'
export type { FolioTruth } from './groundTruth/folioTruth.ts'
export { folioAt, folioTruth, pageMapcount, truthOf } from './groundTruth/folioTruth.ts'
export type { TruthSummary } from './groundTruth/truthSummary.ts'
export { truthSummary } from './groundTruth/truthSummary.ts'
export type { EntryVisitor } from './groundTruth/recount.ts'
export { checkInvariants, forEachEntry } from './groundTruth/recount.ts'
export { validateEvent } from './events/validateEvent.ts'
export type { TruthCheckpoint } from './truth/truthState.ts'
export { TruthState } from './truth/truthState.ts'
export type { TruthColumns } from './truth/truthColumns.ts'
export { applyTruthColumns, eventAt } from './truth/truthColumns.ts'
export { CHUNK_PAGES, CHUNK_SHIFT, FolioChunk, FolioStore, KIND, KIND_NAMES, MAX_PFN } from './truth/folioStore.ts'
export { ProcTables as TruthProcTables } from './truth/procTables.ts'
export {
  forEachTruthEntry, forEachTruthFolio, truthDigest, truthFolio, truthFolioAt, truthFolioRec, truthPageMapcount, truthSummaryOf,
} from './truth/truthQueries.ts'
export { toMmState } from './truth/toMmState.ts'
export { TruthFolioView } from './truth/truthFolioView.ts'
export type { HvoKernel, HvoLayout } from './hvoLayout.ts'
export {
  HVO_KERNELS,
  HVO_PAGE_SIZE,
  HVO_RESERVE_VMEMMAP_PAGES,
  hvoLayout,
  hvoStructPageAlias,
  hvoStructPageWritable,
  STRUCT_PAGE_SIZE,
  STRUCT_PAGES_PER_VMEMMAP_PAGE,
  VMEMMAP_PAGES_PER_PTE_TABLE,
} from './hvoLayout.ts'
export type { MmIdSlots } from './rules/mmIdSlots.ts'
export { addReturnLargeMapcount, maybeMappedShared, setLargeMapcount, slotInvariants, slotsFreeCheck, subReturnLargeMapcount } from './rules/mmIdSlots.ts'
export { assertNever } from './assertNever.ts'
export { mulberry32 } from './mulberry32.ts'
export { taintPartiallyMapped, taintPartiallyMappedAt, touchedFoliosAt, touchedFoliosInto } from './rules/touchedFolios.ts'
export {
  HPAGE_PMD_NR, HPAGE_PMD_ORDER, HPAGE_PUD_NR, HPAGE_PUD_ORDER, MAX_FOLIO_ORDER, PAGES_PER_LEVEL, PTRS_PER_PMD, PTRS_PER_PTE,
} from './rules/pageTableGeometry.ts'
