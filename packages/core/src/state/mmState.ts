import type { FolioKind, Pfn, Pid, VmaKind, Vpn } from '../events/common.ts'
import { emptyTrie, type CowTrie } from './cowTrie.ts'

/** Vma - one VMA: pages [start, end) of a process. */
export interface Vma {
  readonly start: Vpn
  readonly end: Vpn
  readonly kind: VmaKind
  readonly shared: boolean
  readonly writable: boolean
  /** file id (0 for anonymous memory) and the file page mapped at @start */
  readonly file: number
  readonly pgoff: number
  /** VM_HUGEPAGE / VM_NOHUGEPAGE */
  readonly thp: 'default' | 'hugepage' | 'nohugepage'
  /** VM_DONTCOPY */
  readonly dontfork: boolean
  /** VM_HUGETLB_HGM (HGM v2, model-only: set by MADV_SPLIT on a shared HugeTLB VMA); absent when clear */
  readonly hgm?: true
}

/** Proc - a live process (mm): its parent and its VMAs, sorted by start. Managed by immer. */
export interface Proc {
  readonly pid: Pid
  readonly parent: Pid | -1
  readonly vmas: readonly Vma[]
}

/**
 * PmdSlot - one PMD entry's worth (2 MiB) of a process's page tables: either a PMD leaf mapping the
 * PMD-sized folio @huge, or a PTE table @ptes (pfn + 1 per entry, 0 = none), or neither.
 */
export interface PmdSlot {
  e: number
  /** PFN of the page mapped by a PMD leaf, -1 when the PMD is not a leaf */
  huge: number
  /** the PTE table, when one exists (it can exist with no present entry: zapped, not freed) */
  ptes: Int32Array | null
  /** present entries in @ptes */
  present: number
}

/** ProcTables - a process's page tables: PMD slots keyed by vpn >> 9, PUD leaves keyed by vpn >> 18. */
export interface ProcTables {
  e: number
  pmds: CowTrie<PmdSlot>
  /** PUD leaves: key vpn >> 18, value the PFN mapped */
  puds: CowTrie<number>
  /** present entries at all levels (a PMD or PUD leaf counts 1) */
  present: number
}

/**
 * FolioRec - a live folio and its ground-truth counters, derived from the page tables.
 * Only the reducers write it; queries read it through groundTruth/.
 */
export interface FolioRec {
  e: number
  readonly pfn: Pfn
  readonly order: number
  readonly kind: FolioKind
  readonly file: number
  readonly index: number
  /** PMD / PUD entries mapping the whole folio */
  entire: number
  /** PTE entries mapping pages of the folio */
  ptes: number
  /** pages with at least one PTE (or HGM PMD) */
  pagesMapped: number
  /** HGM PMD entries mapping a 2 MiB piece of the (1 GiB HugeTLB) folio, each counted once (HGM, model-only) */
  hgmPmds: number
  /** per page: PTEs and HGM PMDs mapping it; null until the first one maps a page */
  pageMaps: Int32Array | null
  /** per page: PageAnonExclusive (for PMD/PUD and HugeTLB mappings only the head's bit means anything) */
  exclusive: Uint8Array | null
  /** (pid, entries) pairs sorted by pid: which processes map the folio, with how many entries */
  owners: number[]
  /** HugeTLB vmemmap optimized (HVO) */
  hvo: boolean
}

/** Violation - a broken precondition: event @index (0-based sequence number) of @type did what it must not. */
export interface Violation {
  readonly index: number
  readonly type: string
  readonly cause: string
  readonly message: string
}

/** MAX_VIOLATIONS_KEPT - violations beyond this many are counted, not kept. */
export const MAX_VIOLATIONS_KEPT = 1000

/**
 * MmState - the page-table and folio state after @applied events. Immutable once committed: a later
 * transaction copies what it writes, so any committed state is a checkpoint.
 */
export interface MmState {
  readonly epoch: number
  readonly applied: number
  readonly procs: Readonly<Record<number, Proc>>
  readonly tables: CowTrie<ProcTables>
  readonly folios: CowTrie<FolioRec>
  readonly violations: readonly Violation[]
  readonly violationCount: number
  readonly eventCounts: Readonly<Record<string, number>>
  /** live folios per order (0..18): lets overlap checks skip orders no folio has */
  readonly folioOrders: readonly number[]
}

/** Key widths of the tries: pids below 2^24, vpns below 2^36 (48-bit virtual addresses), pfns below 2^40. */
export const PID_BITS = 24
export const VPN_BITS = 36
export const PFN_BITS = 40

/** emptyState - no processes, no folios. */
export function emptyState(): MmState {
  return {
    epoch: 0,
    applied: 0,
    procs: {},
    tables: emptyTrie(PID_BITS),
    folios: emptyTrie(PFN_BITS),
    violations: [],
    violationCount: 0,
    eventCounts: {},
    folioOrders: new Array<number>(19).fill(0),
  }
}
