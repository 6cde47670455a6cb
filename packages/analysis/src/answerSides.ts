import { HPAGE_PUD_ORDER, type FolioKind, type Level, type Pfn } from '@mmsim/core'
import { SchemeBase, type AnyStrategy, type SchemeState, type StrategyRun } from '@mmsim/strategies'

/**
 * QUERY_NAMES - the questions a mapcount scheme answers, by the name of its Strategy method. Folio queries
 * take a head PFN; page queries take every page of a folio. `pagemapExclusive` is asked at the level of the
 * entry that maps the page in the ground truth (PMD/PUD when the folio is mapped whole, else PTE).
 */
export const QUERY_NAMES = [
  'folioMapcount', 'entireMapcount', 'nrPagesMapped', 'mappedShared', 'partiallyMapped',
  'pageMapcount', 'kpagecount', 'anonExclusive', 'pagemapExclusive',
] as const

/** QueryName - one of {@link QUERY_NAMES}. */
export type QueryName = (typeof QUERY_NAMES)[number]

/** FOLIO_QUERIES - the queries answered once per folio (the rest are per page). */
export const FOLIO_QUERIES: ReadonlySet<QueryName> = new Set(['folioMapcount', 'entireMapcount', 'nrPagesMapped', 'mappedShared', 'partiallyMapped'])

/** isQueryName - is @s a {@link QueryName}? */
export function isQueryName(s: string): s is QueryName {
  return (QUERY_NAMES as readonly string[]).includes(s)
}

/** Answer - a query's answer; null means "not answered" (the scheme does not track it, or no promise). */
export type Answer = number | boolean | null

/**
 * FolioFacts - the ground truth of one live folio as the sides read it (core's TruthFolioView: read in place,
 * nothing allocated per event): its head, order, kind, entire and PTE mapcounts, pages mapped by PTEs,
 * distinct processes mapping it, and per page the PTEs mapping it and its PageAnonExclusive bit.
 */
export interface FolioFacts {
  readonly pfn: Pfn
  readonly order: number
  readonly kind: FolioKind
  readonly entire: number
  readonly ptes: number
  readonly pagesMapped: number
  readonly owners: number
  pageMaps(i: number): number
  exclusive(i: number): boolean
}

/**
 * AnswerSide - one side of a comparison: a mapcount scheme, or the ground truth.
 * @folio answers folio query @q on live folio @f (the post-event ground-truth record); @page answers
 * page query @q on page @f.pfn + @i. Both return null where this side makes no statement.
 */
export interface AnswerSide {
  readonly label: string
  folio(q: QueryName, f: FolioFacts): Answer
  page(q: QueryName, f: FolioFacts, i: number): Answer
}

/**
 * BatchAnswers - one side's answers by query code (its index in {@link QUERY_NAMES}): @folio / @page one
 * answer as {@link AnswerSide} gives it; @into (null where a side cannot promise it, a plugin) all nine at
 * once as numbers — booleans 0/1, null NaN — out[0..5) the folio queries on @f, out[5 + 4j + q − 5] page
 * query q on page f.pfn + @at[j] (j < @m). For every side that has @into, a query's answers are of one
 * type (the Strategy methods' and truthSide's), so two encoded answers are equal exactly when the answers are.
 */
export interface BatchAnswers {
  folio(q: number, f: FolioFacts): Answer
  page(q: number, f: FolioFacts, i: number): Answer
  into: ((f: FolioFacts, at: Int32Array, m: number, out: Float64Array) => void) | null
}

/** queryCode - the index of @q in {@link QUERY_NAMES} (what {@link BatchAnswers} take). */
export const queryCode = (q: QueryName): number => QUERY_NAMES.indexOf(q)

const Q_FOLIO_MAPCOUNT = 0, Q_ENTIRE = 1, Q_NR_PAGES = 2, Q_SHARED = 3, Q_PARTIAL = 4
const Q_KPAGECOUNT = 6, Q_ANON_EXCL = 7
/** the first page query's code (page queries follow the five folio queries) */
export const Q_PAGE_MAPCOUNT = 5
/** the code of pagemapExclusive, the one query answered only for present entries */
export const Q_PAGEMAP_EXCL = 8

/** encoded - @v as {@link BatchAnswers.into} writes it */
const encoded = (v: Answer): number => (v === null ? NaN : v === true ? 1 : v === false ? 0 : v)

/** sideOf - the {@link AnswerSide} @label answering with @folio / @page (by query code) */
function sideOf(label: string, folio: (q: number, f: FolioFacts) => Answer, page: (q: number, f: FolioFacts, i: number) => Answer): AnswerSide {
  return {
    label,
    folio: (q, f) => (FOLIO_QUERIES.has(q) ? folio(queryCode(q), f) : null) ?? null,
    page: (q, f, i) => (FOLIO_QUERIES.has(q) ? null : page(queryCode(q), f, i)) ?? null,
  }
}

const isZero = (f: FolioFacts): boolean => f.kind === 'zero' || f.kind === 'hugezero'

/** entryLevel - the level of the entries that map folio @f whole, else 'pte'. */
function entryLevel(f: FolioFacts): Level {
  if (f.entire === 0) return 'pte'
  return f.order >= HPAGE_PUD_ORDER ? 'pud' : 'pmd'
}

/**
 * strategySide - the answers of scheme @run (its current state), asked through its Strategy methods.
 * `pageMapcount`/`nrPagesMapped` are null where the scheme does not track them; `pagemapExclusive` is
 * null for pages no entry maps.
 */
export function strategySide(run: StrategyRun): AnswerSide {
  return sideOf(run.strategy.id, ...strategyAnswers(run))
}

/**
 * strategyBatch - {@link strategySide}'s answers as {@link BatchAnswers}; @into for a built-in scheme whose
 * nine query methods are SchemeBase's own (SchemeBase.answersInto: one load of its query cursor for all).
 */
export function strategyBatch(run: StrategyRun): BatchAnswers {
  const [folio, page] = strategyAnswers(run)
  const st: AnyStrategy = run.strategy
  const own = st instanceof SchemeBase && QUERY_NAMES.every((q) => st[q] === SchemeBase.prototype[q])
  return {
    folio,
    page,
    into: own ? (f, at, m, out) => (st as SchemeBase).answersInto(run.state as SchemeState, f.pfn, at, m, entryLevel(f), out) : null,
  }
}

function strategyAnswers(run: StrategyRun): [(q: number, f: FolioFacts) => Answer, (q: number, f: FolioFacts, i: number) => Answer] {
  const folio = (q: number, f: FolioFacts): Answer => {
    const st: AnyStrategy = run.strategy
    switch (q) {
      case Q_FOLIO_MAPCOUNT: return st.folioMapcount(run.state, f.pfn)
      case Q_ENTIRE: return st.entireMapcount(run.state, f.pfn)
      case Q_NR_PAGES: return st.nrPagesMapped(run.state, f.pfn)
      case Q_SHARED: return st.mappedShared(run.state, f.pfn)
      case Q_PARTIAL: return st.partiallyMapped(run.state, f.pfn)
      default: return null
    }
  }
  const page = (q: number, f: FolioFacts, i: number): Answer => {
    const st: AnyStrategy = run.strategy
    switch (q) {
      case Q_PAGE_MAPCOUNT: return st.pageMapcount(run.state, f.pfn + i)
      case Q_KPAGECOUNT: return st.kpagecount(run.state, f.pfn + i)
      case Q_ANON_EXCL: return st.anonExclusive(run.state, f.pfn + i)
      // bit 56 is only reported for present entries
      case Q_PAGEMAP_EXCL: return f.entire > 0 || f.pageMaps(i) > 0 ? st.pagemapExclusive(run.state, f.pfn + i, entryLevel(f)) : null
      default: return null
    }
  }
  return [folio, page]
}

/**
 * truthSide - the ground truth's answers, with the promises of the strategy contract (@mmsim/testing
 * checkFolio): zero pages count 0 and have no "mapped shared" answer; small folios have no entire
 * mapcount; PageAnonExclusive is stated for anon pages (for a PMD/PUD-mapped folio only the head's);
 * kpagecount is the page's mapcount; "partially mapped" is only promised for anon folios that no split,
 * migration or non-new anon add touched since allocation (@tainted, kept by the caller); pagemap bit 56
 * (PM_MMAP_EXCLUSIVE) of a mapped page is true when exactly one entry maps that page (never for zero pages).
 */
export function truthSide(tainted: ReadonlySet<number>): AnswerSide {
  return sideOf('truth', ...truthAnswers(tainted))
}

/** truthBatch - {@link truthSide}'s answers as {@link BatchAnswers}. */
export function truthBatch(tainted: ReadonlySet<number>): BatchAnswers {
  const [folio, page] = truthAnswers(tainted)
  return {
    folio,
    page,
    into(f, at, m, out) {
      for (let q = 0; q < Q_PAGE_MAPCOUNT; q++) out[q] = encoded(folio(q, f))
      for (let j = 0; j < m; j++) for (let q = Q_PAGE_MAPCOUNT; q <= Q_PAGEMAP_EXCL; q++) out[5 + 4 * j + q - Q_PAGE_MAPCOUNT] = encoded(page(q, f, at[j]!))
    },
  }
}

function truthAnswers(tainted: ReadonlySet<number>): [(q: number, f: FolioFacts) => Answer, (q: number, f: FolioFacts, i: number) => Answer] {
  const zero = isZero
  const folio = (q: number, f: FolioFacts): Answer => {
    switch (q) {
      case Q_FOLIO_MAPCOUNT: return zero(f) ? 0 : f.entire + f.ptes
      case Q_ENTIRE: return zero(f) || f.order === 0 ? 0 : f.entire
      case Q_NR_PAGES: return zero(f) ? 0 : f.entire > 0 ? 1 << f.order : f.pagesMapped
      case Q_SHARED: return zero(f) ? null : f.owners > 1
      case Q_PARTIAL:
        if (f.kind !== 'anon' || tainted.has(f.pfn)) return null
        return f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < 1 << f.order
      default: return null
    }
  }
  const page = (q: number, f: FolioFacts, i: number): Answer => {
    switch (q) {
      case Q_PAGE_MAPCOUNT:
      case Q_KPAGECOUNT: return zero(f) ? 0 : f.pageMaps(i) + f.entire
      case Q_ANON_EXCL: return f.kind !== 'anon' || (f.entire > 0 && i > 0) ? null : f.exclusive(i)
      case Q_PAGEMAP_EXCL: {
        const m = f.pageMaps(i) + f.entire
        return m === 0 ? null : !zero(f) && m === 1
      }
      default: return null
    }
  }
  return [folio, page]
}
