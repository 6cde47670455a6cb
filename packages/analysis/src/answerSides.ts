import type { FolioKind, Level, Pfn } from '@mmsim/core'
import type { AnyStrategy, StrategyRun } from '@mmsim/strategies'

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

/** FolioAnswerer / PageAnswerer - one query of one side, bound once (what a scan calls after every event). */
export type FolioAnswerer = (f: FolioFacts) => Answer
export type PageAnswerer = (f: FolioFacts, i: number) => Answer

/** folioAnswerer - @side's answer to folio query @q as a function (no per-call dispatch on the query name). */
export function folioAnswerer(side: AnswerSide, q: QueryName): FolioAnswerer {
  return BOUND.get(side)?.folio[q] ?? ((f) => side.folio(q, f))
}

/** pageAnswerer - @side's answer to page query @q as a function. */
export function pageAnswerer(side: AnswerSide, q: QueryName): PageAnswerer {
  return BOUND.get(side)?.page[q] ?? ((f, i) => side.page(q, f, i))
}

/** per side built here: its queries as functions, so a scan skips the switch on the query name */
const BOUND = new WeakMap<AnswerSide, { folio: Partial<Record<QueryName, FolioAnswerer>>; page: Partial<Record<QueryName, PageAnswerer>> }>()

const isZero = (f: FolioFacts): boolean => f.kind === 'zero' || f.kind === 'hugezero'

/** entryLevel - the level of the entries that map folio @f whole, else 'pte'. */
export function entryLevel(f: FolioFacts): Level {
  if (f.entire === 0) return 'pte'
  return f.order >= 18 ? 'pud' : 'pmd'
}

/**
 * strategySide - the answers of scheme @run (its current state), asked through its Strategy methods.
 * `pageMapcount`/`nrPagesMapped` are null where the scheme does not track them; `pagemapExclusive` is
 * null for pages no entry maps.
 */
export function strategySide(run: StrategyRun): AnswerSide {
  const st: AnyStrategy = run.strategy
  return boundSide(st.id, {
    folioMapcount: (f) => st.folioMapcount(run.state, f.pfn),
    entireMapcount: (f) => st.entireMapcount(run.state, f.pfn),
    nrPagesMapped: (f) => st.nrPagesMapped(run.state, f.pfn),
    mappedShared: (f) => st.mappedShared(run.state, f.pfn),
    partiallyMapped: (f) => st.partiallyMapped(run.state, f.pfn),
  }, {
    pageMapcount: (f, i) => st.pageMapcount(run.state, f.pfn + i),
    kpagecount: (f, i) => st.kpagecount(run.state, f.pfn + i),
    anonExclusive: (f, i) => st.anonExclusive(run.state, f.pfn + i),
    // bit 56 is only reported for present entries
    pagemapExclusive: (f, i) => (f.entire > 0 || f.pageMaps(i) > 0 ? st.pagemapExclusive(run.state, f.pfn + i, entryLevel(f)) : null),
  })
}

/** boundSide - the side @label answering with the given per-query functions (null for queries it lacks). */
function boundSide(label: string, folio: Partial<Record<QueryName, FolioAnswerer>>, page: Partial<Record<QueryName, PageAnswerer>>): AnswerSide {
  const side: AnswerSide = {
    label,
    folio: (q, f) => folio[q]?.(f) ?? null,
    page: (q, f, i) => page[q]?.(f, i) ?? null,
  }
  BOUND.set(side, { folio, page })
  return side
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
  const zero = isZero
  return boundSide('truth', {
    folioMapcount: (f) => (zero(f) ? 0 : f.entire + f.ptes),
    entireMapcount: (f) => (zero(f) || f.order === 0 ? 0 : f.entire),
    nrPagesMapped: (f) => (zero(f) ? 0 : f.entire > 0 ? 1 << f.order : f.pagesMapped),
    mappedShared: (f) => (zero(f) ? null : f.owners > 1),
    partiallyMapped: (f) => {
      if (f.kind !== 'anon' || tainted.has(f.pfn)) return null
      return f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < 1 << f.order
    },
  }, {
    pageMapcount: (f, i) => (zero(f) ? 0 : f.pageMaps(i) + f.entire),
    kpagecount: (f, i) => (zero(f) ? 0 : f.pageMaps(i) + f.entire),
    anonExclusive: (f, i) => (f.kind !== 'anon' || (f.entire > 0 && i > 0) ? null : f.exclusive(i)),
    pagemapExclusive: (f, i) => {
      const m = f.pageMaps(i) + f.entire
      return m === 0 ? null : !zero(f) && m === 1
    },
  })
}
