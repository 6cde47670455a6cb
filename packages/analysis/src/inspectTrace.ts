import { forEachTruthEntry, TruthFolioView, truthFolioAt, type Level, type MmEvent, type Pfn, type TruthState } from '@mmsim/core'
import type { AnyStrategy, StrategySet } from '@mmsim/strategies'
import { replayPrefix } from './replayPrefix.ts'
import { FOLIO_QUERIES, QUERY_NAMES, strategySide, truthSide, type Answer, type FolioFacts, type QueryName } from './answerSides.ts'

/** PageMapping - one entry mapping a page: process, level, and the vpn of the page. */
interface PageMapping {
  pid: number
  level: Level
  vpn: number
}

/** InspectedPage - one page of a folio: its mappings, and per side (`truth`, then each scheme id) its page answers. */
export interface InspectedPage {
  pfn: Pfn
  mappings: PageMapping[]
  answers: Record<string, Partial<Record<QueryName, Answer>>>
}

/** InspectedFolio - one live folio: kind, order, per side its folio answers, and its pages (@pages omitted ones counted in @unmappedPages). */
export interface InspectedFolio {
  folio: Pfn
  kind: string
  order: number
  answers: Record<string, Partial<Record<QueryName, Answer>>>
  pages: InspectedPage[]
  /** pages of the folio not listed: no entry maps them (all pages are listed with --folio) */
  unmappedPages: number
}

/**
 * Inspection - the state after event @at (0-based, inclusive): that event, the sides compared, the folios
 * shown (@shown: the one asked for, the ones the event touched, or all) and how many are live (@liveFolios).
 */
export interface Inspection {
  at: number
  event: MmEvent
  sides: string[]
  violations: number
  shown: 'folio' | 'touched' | 'all'
  liveFolios: number
  folios: InspectedFolio[]
}

/**
 * InspectOptions - @strategies to show beside the ground truth; @folio: only the folio containing this PFN,
 * with every page; @all: every live folio (a big state is a big answer); by default the folios event @at
 * touched (the ones its answers may have changed).
 */
export interface InspectOptions {
  strategies: readonly AnyStrategy[]
  folio?: Pfn
  all?: boolean
}

/**
 * inspectTrace - replay trace @file up to and including event @at (ground truth and @strategies), then
 * describe every live folio (or the one containing @folio): the PTE/PMD/PUD entries mapping each page
 * per process, the ground truth's answers and each scheme's, side by side. Throws a RangeError when the
 * trace has fewer than @at + 1 events.
 */
export async function inspectTrace(file: string, at: number, opts: InspectOptions): Promise<Inspection> {
  const r = await replayPrefix(file, at + 1, opts.strategies)
  if (r.events < at + 1 || r.last === null) throw new RangeError(`${file} has ${r.events} events: there is no event ${at}`)
  const shown = opts.folio !== undefined ? { folio: opts.folio } : opts.all === true ? 'all' : { touched: r.touched }
  return inspectState(r.state, r.set, at, r.last, shown)
}

/** Shown - which folios {@link inspectState} describes: the one containing a PFN, a list of heads, or all. */
export type Shown = { folio: Pfn } | { touched: readonly Pfn[] } | 'all'

/** inspectState - describe @state (ground truth) and the schemes of @set fed the same events; see {@link inspectTrace}. */
export function inspectState(state: TruthState, set: StrategySet, at: number, event: MmEvent, shown: Shown = 'all'): Inspection {
  const want = typeof shown === 'object' && 'folio' in shown ? truthFolioAt(state, shown.folio) : undefined
  // the heads to describe (null: every live folio), and the page ranges whose mappings are wanted
  const heads = shown === 'all' ? null : want !== undefined ? (want < 0 ? [] : [want]) : [...new Set('touched' in shown ? shown.touched : [])].filter((h) => state.folios.headOrder(h) >= 0).sort((a, b) => a - b)
  const ranges = heads === null ? null : heads.map((h) => [h, h + 2 ** state.folios.headOrder(h)] as const)
  const wanted = (pfn: number, n: number): boolean => ranges === null || ranges.some(([lo, hi]) => pfn < hi && pfn + n > lo)
  const maps = new Map<Pfn, PageMapping[]>()
  forEachTruthEntry(state, (pid, level, vpn, pfn) => {
    const head = level === 'pte' ? pfn : truthFolioAt(state, pfn)
    const n = level === 'pte' ? 1 : head < 0 ? 1 : 2 ** state.folios.headOrder(head)
    // only the shown folios' pages: do not index every mapped page of the state
    if (!wanted(pfn, n)) return
    for (let i = 0; i < n; i++) {
      let l = maps.get(pfn + i)
      if (l === undefined) maps.set(pfn + i, (l = []))
      l.push({ pid, level, vpn: vpn + i })
    }
  })
  const truth = truthSide(new Set())
  const sides = [truth, ...set.runs.map(strategySide)]
  const folios: InspectedFolio[] = []
  const describe = (f: FolioFacts): void => {
    const answers: InspectedFolio['answers'] = {}
    for (const s of sides) {
      const row: Partial<Record<QueryName, Answer>> = {}
      for (const q of QUERY_NAMES) if (FOLIO_QUERIES.has(q)) row[q] = s.folio(q, f)
      answers[s.label] = row
    }
    const pages: InspectedPage[] = []
    const nr = 1 << f.order
    for (let i = 0; i < nr; i++) {
      const m = maps.get(f.pfn + i) ?? []
      if (m.length === 0 && want === undefined) continue
      const pa: InspectedPage['answers'] = {}
      for (const s of sides) {
        const row: Partial<Record<QueryName, Answer>> = {}
        for (const q of QUERY_NAMES) if (!FOLIO_QUERIES.has(q)) row[q] = s.page(q, f, i)
        pa[s.label] = row
      }
      pages.push({ pfn: f.pfn + i, mappings: m, answers: pa })
    }
    folios.push({ folio: f.pfn, kind: f.kind, order: f.order, answers, pages, unmappedPages: nr - pages.length })
  }
  const view = new TruthFolioView(state)
  let live = 0
  for (const n of state.folios.census) live += n
  if (heads === null) state.folios.forEachHead((pfn) => describe(view.at(pfn)!))
  else for (const h of heads) describe(view.at(h)!)
  const kind = shown === 'all' ? 'all' : 'folio' in shown ? 'folio' : 'touched'
  return { at, event, sides: sides.map((s) => s.label), violations: state.violationCount, shown: kind, liveFolios: live, folios }
}
