import {
  applyTruthColumns, EVENT_CODE, EVENT_FIELDS, EVENT_TYPES, eventAt, taintPartiallyMapped, taintPartiallyMappedAt, touchedFoliosAt, touchedFoliosInto,
  TruthFolioView, type MmEvent, type Pfn, type TruthColumns, type TruthState,
} from '@mmsim/core'
import { StrategySet, type AnyStrategy } from '@mmsim/strategies'
import {
  FOLIO_QUERIES, Q_PAGE_MAPCOUNT, Q_PAGEMAP_EXCL, QUERY_NAMES, queryCode, strategyBatch, strategySide, truthBatch, truthSide,
  type Answer, type AnswerSide, type BatchAnswers, type FolioFacts, type QueryName,
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

/** pages whose answers {@link DivergenceScanner} asks of one side before asking the other (the scratch's size) */
const BLOCK = 64
const NO_INTS = new Int32Array(0)
const noUnknown = (): void => {}
const CHECK_MARKED = EVENT_CODE['check/marked']
/**
 * RANGE_SLOTS[code] - for event types with a page range (`folio`, `page` and `nrPages` fields): their column
 * slots packed as folio | page << 4 | nrPages << 8; −1 for the other types (compared over the whole folio)
 */
const RANGE_SLOTS = Int32Array.from(EVENT_TYPES, (t) => {
  const slot = (name: string): number => EVENT_FIELDS[t].findIndex((x: { name: string }) => x.name === name)
  const [folio, page, nr] = [slot('folio'), slot('page'), slot('nrPages')]
  return folio < 0 || page < 0 || nr < 0 ? -1 : folio | (page << 4) | (nr << 8)
})

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
  /** folios whose "partially mapped" answer the ground truth does not promise (kept only when side B is the ground truth, its only reader) */
  readonly tainted = new Set<number>()
  private readonly truthB: boolean
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
    this.folioCodes = Int32Array.from(this.folioQs, queryCode)
    this.pageCodes = Int32Array.from(this.pageQs, queryCode)
    this.batchA = strategyBatch(this.set.runs[0]!)
    this.batchB = 'b' in v ? strategyBatch(this.set.runs[1]!) : 'truth' in v ? truthBatch(this.tainted) : null
    this.columnsOk = this.set.columnsOk
    this.truthB = 'truth' in v
  }

  /** the compared queries' codes (folioQs / pageQs order), and each side's answers to them (batchB null: the kernel) */
  private readonly folioCodes: Int32Array
  private readonly pageCodes: Int32Array
  private readonly batchA: BatchAnswers
  private readonly batchB: BatchAnswers | null

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
    if (this.truthB) taintPartiallyMapped(e, pfns, n, this.tainted)
    this.event = e
    if ('page' in e && 'nrPages' in e) this.setRange(e.folio, e.page, e.nrPages)
    else this.rangeFolio = -1
    return this.compareTouched(truth, n, index, all)
  }

  /**
   * columnsOk - {@link stepAt} may be used: both sides are built-in schemes or the ground truth (no plugin,
   * which gets event objects). A subclass that needs every event as an object (overriding {@link step})
   * sets it false.
   */
  readonly columnsOk: boolean

  /** beginColumns - the integer columns of the frame the next {@link stepAt} calls read (this version's layout) */
  beginColumns(w: TruthColumns): void {
    const one = this.one
    one.codes = w.codes
    one.causeIdx = w.causeIdx
    one.causes = w.causes
    one.slots = w.slots
    this.cols = w
  }

  /**
   * stepAt - {@link step} of event @i (type code @c ≥ 0) of the columns given to {@link beginColumns}, with no
   * event object: the ground truth applies it from the columns (applyTruthColumns), the schemes read it
   * through StrategySet.applyColumns, the touched folios and the page range come from its fields. The same
   * comparisons in the same order as step; an event object is built only for a divergence recorded (and
   * for a kernel check marker). Only when {@link columnsOk}.
   * @returns true when this event produced a divergence
   */
  stepAt(truth: TruthState, i: number, c: number, index: number, all = false): boolean {
    this.events++
    const w = this.cols!
    const pfns = this.touched
    this.stepTruth = truth
    const n = this.sideB === null ? 0 : touchedFoliosAt(w, i, c, this.headOrder, pfns)
    const v = truth.violationCount
    this.one.count = i + 1
    applyTruthColumns(truth, this.one, i, false, noUnknown)
    if (truth.violationCount !== v) {
      this.skipped++
      return false
    }
    this.set.applyColumns(w, i, c, truth)
    if (this.sideB === null) return c === CHECK_MARKED ? this.kernelStep(truth, eventAt(w, i, c), index, all) : false
    if (this.truthB) taintPartiallyMappedAt(w, i, c, pfns, n, this.tainted)
    this.event = null
    this.colI = i
    this.colC = c
    const rs = RANGE_SLOTS[c]!
    if (rs >= 0) {
      const S = w.slots
      this.setRange(S[rs & 15]![i]!, S[(rs >> 4) & 15]![i]!, S[rs >> 8]![i]!)
    } else this.rangeFolio = -1
    return this.compareTouched(truth, n, index, all)
  }

  /** the event of the current step: the object step was given, or null (stepAt: built from the columns when a divergence is recorded) */
  private event: MmEvent | null = null
  private cols: TruthColumns | null = null
  private colI = 0
  private colC = 0
  /** the one-event window of the columns that applyTruthColumns applies (its arrays are the current frame's) */
  private readonly one: { count: number; codes: Int32Array; causeIdx: Int32Array; causes: readonly string[]; slots: readonly Int32Array[] } = {
    count: 0, codes: NO_INTS, causeIdx: NO_INTS, causes: [], slots: [],
  }
  /** the current event's page range [rangePage, rangePage + rangeNr) in folio rangeFolio (−1: the event has none) */
  private rangeFolio = -1
  private rangePage = 0
  private rangeNr = 0

  private setRange(folio: number, page: number, nr: number): void {
    this.rangeFolio = folio
    this.rangePage = page
    this.rangeNr = nr
  }

  /** compareTouched - compare the live folios among the @n touched ones (this.touched) after the event */
  private compareTouched(truth: TruthState, n: number, index: number, all: boolean): boolean {
    const pfns = this.touched
    let found = false
    for (let k = 0; k < n; k++) {
      const f = this.view(truth).at(pfns[k]!)
      if (f === undefined) continue
      if (this.compareFolio(f, index, all)) {
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
  /** the pages of the block being compared (indices in the folio), and both sides' encoded answers on them (BatchAnswers.into) */
  private readonly pageAt = new Int32Array(BLOCK)
  private readonly oa = new Float64Array(5 + 4 * BLOCK)
  private readonly ob = new Float64Array(5 + 4 * BLOCK)

  /**
   * compareFolio - the answers of both sides on live folio @f after the current event, in a fixed order:
   * the folio queries, then per page of the event's range (see the class comment) the page queries; the
   * first disagreement in that order is recorded first (B's answer first: where it is null, A is not asked).
   * When both sides answer in a batch ({@link BatchAnswers.into}: built-in schemes, the ground truth),
   * each side gives all its answers of a block of pages at once (a scheme's query cursor then loads the
   * folio once per side, not once per query) and a disagreement found there is asked again one answer at
   * a time for the answers recorded. Answers are pure: asking ahead changes nothing but the time.
   */
  private compareFolio(f: FolioFacts, index: number, all: boolean): boolean {
    const np = this.pageCodes.length
    let lo = 0
    let count = 0
    let step = 1
    if (np > 0) {
      const nr = 2 ** f.order
      let hi = nr
      if (this.rangeFolio === f.pfn) {
        lo = Math.max(0, this.rangePage - f.pfn)
        hi = Math.min(nr, this.rangePage + this.rangeNr - f.pfn)
      }
      const full = this.fullPages?.has(f.pfn) === true
      if (full) {
        lo = 0
        hi = nr
      }
      const n = hi - lo
      step = full || n <= SAMPLE ? 1 : (n - 1) / (SAMPLE - 1)
      if (step !== 1) this.sampled.add(f.pfn)
      count = step === 1 ? n : SAMPLE
    }
    const A = this.batchA
    const B = this.batchB!
    const intoA = A.into
    const intoB = B.into
    const at = this.pageAt
    const oa = this.oa
    const ob = this.ob
    const fq = this.folioCodes
    const pq = this.pageCodes
    let found = false
    // blocks of pages (one in the common case: a range of at most SAMPLE pages), the folio queries with the first
    for (let start = 0; start === 0 || start < count; start += BLOCK) {
      const m = Math.min(BLOCK, count - start)
      for (let j = 0; j < m; j++) at[j] = lo + Math.round((start + j) * step)
      if (intoA !== null && intoB !== null) {
        intoB(f, at, m, ob)
        intoA(f, at, m, oa)
        // the common case first: both sides give the same answer (or one gives none: NaN) on every query of
        // the block, selected or not; then the query-by-query pass below would record nothing
        let differ = false
        for (let k = start === 0 ? 0 : 5, e = 5 + 4 * m; k < e; k++) {
          const a = oa[k]!
          const b = ob[k]!
          if (a !== b && a === a && b === b) {
            differ = true
            break
          }
        }
        if (!differ) continue
      }
      if (start === 0) {
        for (let k = 0; k < fq.length; k++) {
          const q = fq[k]!
          if (intoA !== null && intoB !== null) {
            const a = oa[q]!
            const b = ob[q]!
            // NaN is null
            if (b !== b || a !== a || a === b) continue
          }
          const b = B.folio(q, f)
          if (b === null) continue
          const a = A.folio(q, f)
          if (a === null || a === b) continue
          found = true
          this.record(index, this.folioQs[k]!, f.pfn, null, a, b)
          if (!all) return true
        }
      }
      for (let j = 0; j < m; j++) {
        const i = at[j]!
        for (let k = 0; k < np; k++) {
          const q = pq[k]!
          if (intoA !== null && intoB !== null) {
            const a = oa[5 + 4 * j + q - Q_PAGE_MAPCOUNT]!
            const b = ob[5 + 4 * j + q - Q_PAGE_MAPCOUNT]!
            if (b !== b || a !== a || a === b) continue
            // a scheme does not answer pagemapExclusive for a page no entry maps (nor does the ground truth)
            if (q === Q_PAGEMAP_EXCL && f.entire === 0 && f.pageMaps(i) === 0) continue
          }
          const b = B.page(q, f, i)
          if (b === null) continue
          const a = A.page(q, f, i)
          if (a === null || a === b) continue
          found = true
          this.record(index, this.pageQs[k]!, f.pfn, f.pfn + i, a, b)
          if (!all) return true
        }
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
      this.recordDivergence({ ...d, index, event: e })
      if (!all) return true
    }
    return found
  }

  /** record - a disagreement of query @query on folio @folio (page @page) after the current event (its object built here for stepAt) */
  private record(index: number, query: QueryName, folio: Pfn, page: Pfn | null, a: Answer, b: Answer): void {
    if (this.firstByQuery.has(query) && this.first !== null) this.counts.set(query, (this.counts.get(query) ?? 0) + 1)
    else this.recordDivergence({ index, event: this.event ?? eventAt(this.cols!, this.colI, this.colC), query, folio, page, a, b })
  }

  private recordDivergence(d: Divergence): void {
    const q = d.query
    this.counts.set(q, (this.counts.get(q) ?? 0) + 1)
    if (!this.firstByQuery.has(q) || this.first === null) {
      const copy = { ...d, event: { ...d.event } as MmEvent }
      if (!this.firstByQuery.has(q)) this.firstByQuery.set(q, copy)
      if (this.first === null) this.first = copy
    }
  }
}
