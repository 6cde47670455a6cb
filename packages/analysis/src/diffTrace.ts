import { emptyCostRow, totalCost, type AnyStrategy, type CostRow } from '@mmsim/strategies'
import { QUERY_NAMES, type QueryName } from './answerSides.ts'
import type { BisectOptions } from './bisectAnswers.ts'
import { scanTrace } from './bisectAnswers.ts'
import { DivergenceScanner, type Divergence, type ScanOptions } from './divergenceScanner.ts'
import { HvoWriteTracker, hvoWritesOf, type HvoWrite } from './hvoWriteScan.ts'

/** QueryDiff - one query both schemes answer: how many (event, folio/page) points disagree, and the first. */
interface QueryDiff {
  query: QueryName
  points: number
  first: Divergence | null
}

/** CostSideBySide - one event type's cost rows under scheme A and scheme B. */
interface CostSideBySide {
  type: string
  a: CostRow
  b: CostRow
}

/** HvoSide - one scheme's writes to struct pages HVO maps read-only: events that wrote one (cost column hvoWrites) and the first. */
interface HvoSide {
  writes: number
  first: HvoWrite | null
}

/**
 * DiffResult - `mmsim diff`: @labels [A, B]; @queries per query the disagreeing points (compared after
 * every event on the folios it touched); @costs per event type then @totals; @words the struct page /
 * folio words each scheme writes; @hvo per scheme its writes to HVO-freed struct pages; @same: no query
 * disagrees anywhere.
 */
export interface DiffResult {
  labels: [string, string]
  events: number
  skipped: number
  same: boolean
  queries: QueryDiff[]
  costs: CostSideBySide[]
  totals: { a: CostRow; b: CostRow }
  words: [Readonly<Record<string, string>>, Readonly<Record<string, string>>]
  hvo: [HvoSide, HvoSide]
  /** per scheme, what it had no rule for (e.g. a Linux scheme fed HGM entries): one line per event type */
  notices: [readonly string[], readonly string[]]
}

/** a scanner that also notes, per scheme, the first event that wrote an HVO-freed struct page */
class HvoDiffScanner extends DivergenceScanner {
  readonly hvo: HvoWriteTracker
  // the tracker records event objects: every event goes through step
  override readonly columnsOk = false
  constructor(opts: ScanOptions) {
    super(opts)
    this.hvo = new HvoWriteTracker(this.set)
  }
  override step(...args: Parameters<DivergenceScanner['step']>): boolean {
    const found = super.step(...args)
    this.hvo.after(args[1], args[2])
    return found
  }
}

/** DiffOptions - schemes @a and @b, @queries to compare (all), and progress. */
export interface DiffOptions {
  a: AnyStrategy
  b: AnyStrategy
  queries?: readonly QueryName[]
  onProgress?: BisectOptions['onProgress']
}

/**
 * diffTrace - replay trace @file once under schemes @a and @b beside the ground truth and compare every
 * query both answer after every event ({@link DivergenceScanner} with every point counted: the folios the
 * event touched, and of a long page range its first and last page), and their costs.
 */
export async function diffTrace(file: string, opts: DiffOptions): Promise<DiffResult> {
  const scanner = new HvoDiffScanner({ a: opts.a, versus: { b: opts.b }, queries: opts.queries })
  await scanTrace(file, scanner, true, opts.onProgress)
  const [ra, rb] = scanner.set.runs as [typeof scanner.set.runs[0], typeof scanner.set.runs[0]]
  const ca = ra!.strategy.costs(ra!.state)
  const cb = rb!.strategy.costs(rb!.state)
  const types = [...new Set([...ca.keys(), ...cb.keys()])].sort()
  const queries = (opts.queries ?? QUERY_NAMES).map((q) => ({ query: q, points: scanner.counts.get(q) ?? 0, first: scanner.firstByQuery.get(q) ?? null }))
  return {
    labels: scanner.labels,
    events: scanner.events,
    skipped: scanner.skipped,
    same: queries.every((q) => q.points === 0),
    queries,
    costs: types.map((type) => ({ type, a: ca.get(type) ?? emptyCostRow(), b: cb.get(type) ?? emptyCostRow() })),
    totals: { a: totalCost(ca), b: totalCost(cb) },
    words: [opts.a.description.words, opts.b.description.words],
    hvo: [
      { writes: hvoWritesOf(ra!), first: scanner.hvo.first[0] ?? null },
      { writes: hvoWritesOf(rb!), first: scanner.hvo.first[1] ?? null },
    ],
    notices: [ra!.strategy.notices?.(ra!.state) ?? [], rb!.strategy.notices?.(rb!.state) ?? []],
  }
}
