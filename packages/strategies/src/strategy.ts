import type { EventType, FolioRec, Level, MmEvent, Pfn } from '@mmsim/core'
import type { CostTable } from './costs.ts'
import type { EventOp } from './eventOp.ts'

/**
 * Precision - how far a query's answer may be trusted.
 * `exact`: always equals the ground truth. `maybe`: one-sided, the kernel's promise — a `true` may be a
 * false positive, a `false` is never wrong. `estimate`: a heuristic or a differently defined count (an
 * average, a count per page table), wrong in either direction. `none`: not answerable — the scheme has no
 * rule for what happened to the folio; the answer is what its nearest rule gives.
 */
export type Precision = 'exact' | 'maybe' | 'estimate' | 'none'

/** CountQuery - the counting queries whose precision a scheme may declare below `exact`. */
export type CountQuery = 'folioMapcount' | 'entireMapcount' | 'pageMapcount' | 'kpagecount' | 'nrPagesMapped'

/**
 * StrategyPrecision - the precision of a strategy's approximate queries.
 * @folioMapcount … @nrPagesMapped: absent = exact for every folio (pageMapcount / nrPagesMapped: a non-null answer)
 * @hgm: the precision of these queries (and of @mappedShared) on a HugeTLB folio while high-granularity (HGM)
 *   entries map it, where it differs; absent = as for every other folio
 */
export interface StrategyPrecision {
  readonly mappedShared: Precision
  readonly partiallyMapped: Precision
  readonly folioMapcount?: Precision
  readonly entireMapcount?: Precision
  readonly pageMapcount?: Precision
  readonly kpagecount?: Precision
  readonly nrPagesMapped?: Precision
  readonly hgm?: Readonly<Partial<Record<CountQuery | 'mappedShared', Precision>>>
}

/** TruthView - the post-event ground truth a strategy may read (a {@link Txn} or a committed state). */
export interface TruthView {
  folio(pfn: Pfn): FolioRec | undefined
}

/**
 * StrategyDescription - what a scheme is.
 * @kernels: the kernel versions that count this way, e.g. "v6.12–v6.14"
 * @summary: one line for `mmsim strategies`
 * @words: the struct page / struct folio words the scheme writes, by location ("page[1]", "every page")
 * @hugetlb: its HugeTLB rules in one line
 * @source: the post or thread a proposal scheme comes from (title, author, date, address)
 */
export interface StrategyDescription {
  kernels: string
  summary: string
  words: Readonly<Record<string, string>>
  hugetlb: string
  source?: string
}

/**
 * Strategy - one kernel mapcount scheme: an initial state, a reducer over the core's events and the
 * queries the kernel of that era could answer.
 *
 * The shape follows docs/style.md §3.4, with the §3.6 opt-out of immer: @apply mutates @s in place (flat typed
 * arrays per folio), so a strategy implements @snapshot (an independent copy) and @restore instead of
 * relying on structural sharing. @apply receives the post-event ground truth read-only; it is only called
 * for events that broke no precondition (a driver skips the rest, see {@link StrategySet}).
 *
 * Query conventions: @folio is a head PFN, @pfn any page. Zero pages (special mappings, no rmap) read 0.
 * `null` from @pageMapcount / @nrPagesMapped means "this scheme does not track that"; `null` from
 * @partiallyMapped means "this scheme never considers this folio for deferred split".
 */
export interface Strategy<S = unknown> {
  readonly id: string
  readonly description: StrategyDescription
  /** event types @apply reacts to (the hot loop skips the others) */
  readonly handles: ReadonlySet<EventType>
  readonly precision: StrategyPrecision
  init(): S
  apply(s: S, e: MmEvent, truth: TruthView): void
  /** optional fast path: @apply of an event already copied into a fixed-shape {@link EventOp} */
  applyOp?(s: S, op: EventOp, truth: TruthView): void
  snapshot(s: S): S
  restore(snap: S): S

  /** folio_mapcount(): entries mapping any page of the folio, as this scheme computes it */
  folioMapcount(s: S, folio: Pfn): number
  /** page_mapcount() / folio_precise_page_mapcount(), or null when not tracked */
  pageMapcount(s: S, pfn: Pfn): number | null
  /** folio_entire_mapcount(): PMD/PUD mappings (0 for small folios) */
  entireMapcount(s: S, folio: Pfn): number
  /** pages mapped by at least one entry (the NR_*_MAPPED contribution), or null when not tracked */
  nrPagesMapped(s: S, folio: Pfn): number | null
  /** folio_maybe_mapped_shared() or its predecessor of that era; see @precision */
  mappedShared(s: S, folio: Pfn): boolean
  /** PageAnonExclusive of page @pfn */
  anonExclusive(s: S, pfn: Pfn): boolean
  /** the deferred-split decision: is the folio queued / flagged partially mapped */
  partiallyMapped(s: S, folio: Pfn): boolean | null
  /** what /proc/kpagecount reports for page @pfn */
  kpagecount(s: S, pfn: Pfn): number
  /** pagemap bit 56 (PM_MMAP_EXCLUSIVE) for an entry of level @level mapping page @pfn */
  pagemapExclusive(s: S, pfn: Pfn, level: Level): boolean

  /** the scheme's own invariants on folio @folio (docs/mapcount-schemes.md §8.3): broken ones, one line each (optional) */
  checkInvariants?(s: S, folio: Pfn): string[]

  /**
   * what the scheme could not count by a rule of its own, one line per event type with the count and the
   * first event (e.g. a Linux scheme fed HGM entries, which no Linux kernel has); optional
   */
  notices?(s: S): readonly string[]

  /** events since init that wrote a struct page HVO maps read-only (the sum of the cost rows' hvoWrites, O(1)); optional */
  hvoWrites?(s: S): number

  /** cost counters per event type since init */
  costs(s: S): CostTable
  /** "Bad page state" reports: folios freed with a counter not back at its initial value */
  freeViolations(s: S): readonly string[]
}

/** AnyStrategy - a strategy whose state type is not known to the caller. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any>
