import { taintPartiallyMapped, touchedFoliosInto, TruthFolioView, type MmEvent, type Pfn, type TruthState } from '@mmsim/core'
import { StrategySet, type AnyStrategy } from '@mmsim/strategies'
import {
  FOLIO_QUERIES, folioAnswerer, pageAnswerer, QUERY_NAMES, strategySide, truthSide,
  type Answer, type AnswerSide, type FolioAnswerer, type FolioFacts, type PageAnswerer, type QueryName,
} from './answerSides.ts'
import { kernelCheckDivergences, type KernelSidecar, type SidecarCheck } from './kernelSidecar.ts'

/**
 * Divergence - one point where the two sides answer differently: after event @index (0-based) @event
 * (a copy; its `cause` is the scenario line), query @query on folio @folio (head PFN) or page @page
 * (null for folio queries): side A said @a, side B said @b. @where names the page for kernel comparisons
 * ("p1 A +0x3000").
 */
export interface Divergence {
  index: number
  event: MmEvent
  query: QueryName
  folio: Pfn
  page: Pfn | null
  a: Answer
  b: Answer
  where?: string
}

/** Versus - what side A is compared with: scheme @b, the ground truth, or the kernel observations embedded by `record --kernel`. */
export type Versus = { b: AnyStrategy } | { truth: true } | { kernel: KernelSidecar }

/** ScanOptions - side A @a, side B (@versus), and @queries to compare (all of {@link QUERY_NAMES} by default). */
export interface ScanOptions {
  a: AnyStrategy
  versus: Versus
  queries?: readonly QueryName[]
  /** folios whose every page is compared after every event touching them (the focused second pass) */
  fullPages?: ReadonlySet<number>
}

/** SAMPLE - page ranges longer than this are compared at this many evenly spread pages (first and last included). */
const SAMPLE = 2

/**
 * touchedFolios - the head PFNs of live folios whose answers event @e may change, computed BEFORE it is
 * applied to @truth (a split needs the old order). Only events naming a folio change mapcount state: process
 * and VMA events require their range to be zapped first.
 */
export function touchedFolios(e: MmEvent, truth: TruthState): Pfn[] {
  const out: Pfn[] = []
  out.length = touchedFoliosInto(e, (p) => truth.folios.headOrder(p), out)
  return out
}

/**
 * DivergenceScanner - side A and side B fed the same events beside the ground truth, comparing after each
 * event every answer of the folios it touched ({@link touchedFolios}): the folio queries, and the page
 * queries on the event's page range (the whole folio for events without one) — at most 2 (its first and last)
 * pages of a longer range, the folio then being remembered in @sampled for a final {@link sweep} (a caller
 * that finds a folio disagreeing there rescans with it in @fullPages to name the exact event). Linear in the
 * number of events; memory is the ground truth plus the schemes' states. @first is the first divergence; @counts the number of disagreeing (event, folio/page)
 * points per query, @firstByQuery the first of each; @events the events seen; @skipped the events that
 * broke a ground-truth precondition (not handed to the schemes, not compared).
 */
export class DivergenceScanner {
  readonly set: StrategySet
  readonly sideA: AnswerSide
  readonly sideB: AnswerSide | null
  readonly kernel: ReadonlyMap<number, SidecarCheck> | null
  readonly queries: readonly QueryName[]
  readonly tainted = new Set<number>()
  first: Divergence | null = null
  readonly counts = new Map<QueryName, number>()
  readonly firstByQuery = new Map<QueryName, Divergence>()
  events = 0
  skipped = 0
  /** folios some event compared at sample pages only (see {@link sweep}) */
  readonly sampled = new Set<number>()
  private readonly fullPages: ReadonlySet<number> | undefined
  private readonly folioQs: QueryName[]
  private readonly pageQs: QueryName[]

  constructor(opts: ScanOptions) {
    const v = opts.versus
    this.set = new StrategySet('b' in v ? [opts.a, v.b] : [opts.a])
    this.sideA = strategySide(this.set.runs[0]!)
    this.sideB = 'b' in v ? strategySide(this.set.runs[1]!) : 'truth' in v ? truthSide(this.tainted) : null
    this.kernel = 'kernel' in v ? new Map(v.kernel.checks.map((c) => [c.line, c])) : null
    this.queries = opts.queries ?? QUERY_NAMES
    this.fullPages = opts.fullPages
    this.folioQs = this.queries.filter((q) => FOLIO_QUERIES.has(q))
    this.pageQs = this.queries.filter((q) => !FOLIO_QUERIES.has(q))
    const B = this.sideB
    this.folioAB = B === null ? [] : this.folioQs.map((q) => [folioAnswerer(this.sideA, q), folioAnswerer(B, q)])
    this.pageAB = B === null ? [] : this.pageQs.map((q) => [pageAnswerer(this.sideA, q), pageAnswerer(B, q)])
  }

  /** per compared query (in folioQs / pageQs order): side A's and side B's answerer */
  private readonly folioAB: Array<[FolioAnswerer, FolioAnswerer]>
  private readonly pageAB: Array<[PageAnswerer, PageAnswerer]>

  /** labels - the names of side A and side B. */
  get labels(): [string, string] {
    return [this.sideA.label, this.sideB?.label ?? 'kernel']
  }

  /**
   * step - apply event @e (number @index) to the ground truth @truth and, if it broke no precondition, to the
   * schemes; then compare. With @all false it stops comparing at the first disagreement of this event
   * (enough for bisect); with @all true it counts every disagreeing point (diff).
   * @returns true when this event produced a divergence
   */
  step(truth: TruthState, e: MmEvent, index: number, all = false): boolean {
    this.events++
    const pfns = this.touched
    this.stepTruth = truth
    const n = this.sideB === null ? 0 : touchedFoliosInto(e, this.headOrder, pfns)
    if (!truth.apply(e)) {
      this.skipped++
      return false
    }
    this.set.apply(e, truth)
    if (this.sideB === null) return this.kernelStep(truth, e, index, all)
    taintPartiallyMapped(e, pfns, n, this.tainted)
    let found = false
    for (let k = 0; k < n; k++) {
      const f = this.view(truth).at(pfns[k]!)
      if (f === undefined) continue
      if (this.compareFolio(f, e, index, all)) {
        found = true
        if (!all) return true
      }
    }
    return found
  }

  /** view - a folio view of @truth (one per ground truth, reused for every event) */
  private view(truth: TruthState): TruthFolioView {
    if (this.viewOf !== truth) {
      this.viewOf = truth
      this.folioView = new TruthFolioView(truth)
    }
    return this.folioView!
  }

  private viewOf: TruthState | null = null
  private readonly touched: Pfn[] = []
  /** the ground truth of the current step, for headOrder (one closure for the scanner's life: no per-event allocation) */
  private stepTruth: TruthState | null = null
  private readonly headOrder = (pfn: number): number => this.stepTruth!.folios.headOrder(pfn)
  private folioView: TruthFolioView | null = null



  private compareFolio(f: FolioFacts, e: MmEvent, index: number, all: boolean): boolean {
    let found = false
    for (let k = 0; k < this.folioAB.length; k++) {
      const ab = this.folioAB[k]!
      const b = ab[1](f)
      if (b === null) continue
      const a = ab[0](f)
      if (a === null || a === b) continue
      const q = this.folioQs[k]!
      found = true
      this.record({ index, event: e, query: q, folio: f.pfn, page: null, a, b })
      if (!all) return true
    }
    if (this.pageQs.length === 0) return found
    const nr = 2 ** f.order
    let lo = 0
    let hi = nr
    if ('page' in e && 'nrPages' in e && e.folio === f.pfn) {
      lo = Math.max(0, e.page - f.pfn)
      hi = Math.min(nr, e.page + e.nrPages - f.pfn)
    }
    const full = this.fullPages?.has(f.pfn) === true
    if (full) {
      lo = 0
      hi = nr
    }
    const n = hi - lo
    const step = full || n <= SAMPLE ? 1 : (n - 1) / (SAMPLE - 1)
    if (step !== 1) this.sampled.add(f.pfn)
    for (let k = 0; k < (step === 1 ? n : SAMPLE); k++) {
      const i = lo + Math.round(k * step)
      for (let k = 0; k < this.pageAB.length; k++) {
        const ab = this.pageAB[k]!
        const b = ab[1](f, i)
        if (b === null) continue
        const a = ab[0](f, i)
        if (a === null || a === b) continue
        const q = this.pageQs[k]!
        found = true
        this.record({ index, event: e, query: q, folio: f.pfn, page: f.pfn + i, a, b })
        if (!all) return true
      }
    }
    return found
  }

  /**
   * sweep - compare every page of every live folio in @sampled (folios some event compared only at sample
   * pages) in the ground truth @truth; @returns the head PFN of the first folio that disagrees, or -1.
   */
  sweep(truth: TruthState): number {
    if (this.sideB === null) return -1
    for (const pfn of this.sampled) {
      const f = this.view(truth).at(pfn)
      if (f === undefined) continue
      for (let i = 0; i < 2 ** f.order; i++) {
        for (const q of this.pageQs) {
          const b = this.sideB.page(q, f, i)
          if (b === null) continue
          const a = this.sideA.page(q, f, i)
          if (a !== null && a !== b) return pfn
        }
      }
    }
    return -1
  }

  private kernelStep(truth: TruthState, e: MmEvent, index: number, all: boolean): boolean {
    if (e.type !== 'check/marked') return false
    const check = this.kernel!.get(e.line)
    if (check === undefined) return false
    const run = this.set.runs[0]!
    let found = false
    for (const d of kernelCheckDivergences(run.strategy, run.state, truth, check, this.queries)) {
      found = true
      this.record({ ...d, index, event: e })
      if (!all) return true
    }
    return found
  }

  private record(d: Divergence): void {
    const q = d.query
    this.counts.set(q, (this.counts.get(q) ?? 0) + 1)
    if (!this.firstByQuery.has(q) || this.first === null) {
      const copy = { ...d, event: { ...d.event } as MmEvent }
      if (!this.firstByQuery.has(q)) this.firstByQuery.set(q, copy)
      if (this.first === null) this.first = copy
    }
  }
}
