import { forEachTruthEntry, TruthFolioView, truthFolioAt, type Level, type MmEvent, type Pfn, type TruthState } from '@mmsim/core'
import type { AnyStrategy, StrategySet } from '@mmsim/strategies'
import { replayPrefix } from './replayPrefix.ts'
import { FOLIO_QUERIES, QUERY_NAMES, strategySide, truthSide, type Answer, type FolioFacts, type QueryName } from './answerSides.ts'

/** PageMapping - one entry mapping a page: process, level, and the vpn of the page. */
export interface PageMapping {
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

/** Inspection - the state after event @at (0-based, inclusive): that event, the sides compared, the folios. */
export interface Inspection {
  at: number
  event: MmEvent
  sides: string[]
  violations: number
  folios: InspectedFolio[]
}

/** InspectOptions - @strategies to show beside the ground truth; @folio: only the folio containing this PFN, with every page. */
export interface InspectOptions {
  strategies: readonly AnyStrategy[]
  folio?: Pfn
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
  return inspectState(r.state, r.set, at, r.last, opts.folio)
}

/** inspectState - describe @state (ground truth) and the schemes of @set fed the same events; see {@link inspectTrace}. */
export function inspectState(state: TruthState, set: StrategySet, at: number, event: MmEvent, folio?: Pfn): Inspection {
  const want = folio === undefined ? undefined : truthFolioAt(state, folio)
  const wantEnd = want === undefined || want < 0 ? 0 : want + 2 ** state.folios.headOrder(want)
  const maps = new Map<Pfn, PageMapping[]>()
  forEachTruthEntry(state, (pid, level, vpn, pfn) => {
    const head = level === 'pte' ? pfn : truthFolioAt(state, pfn)
    const n = level === 'pte' ? 1 : head < 0 ? 1 : 2 ** state.folios.headOrder(head)
    // with --folio only that folio's pages are shown: do not index every mapped page of the state
    if (want !== undefined && (pfn + n <= (want < 0 ? 0 : want) || pfn >= wantEnd)) return
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
  if (want === undefined) state.folios.forEachHead((pfn) => describe(view.at(pfn)!))
  else if (want >= 0) describe(view.at(want)!)
  return { at, event, sides: sides.map((s) => s.label), violations: state.violationCount, folios }
}
