import type { FolioRec, Level } from '@mmsim/core'
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
 * AnswerSide - one side of a comparison: a mapcount scheme, or the ground truth.
 * @folio answers folio query @q on live folio @f (the post-event ground-truth record); @page answers
 * page query @q on page @f.pfn + @i. Both return null where this side makes no statement.
 */
export interface AnswerSide {
  readonly label: string
  folio(q: QueryName, f: FolioRec): Answer
  page(q: QueryName, f: FolioRec, i: number): Answer
}

const isZero = (f: FolioRec): boolean => f.kind === 'zero' || f.kind === 'hugezero'

/** entryLevel - the level of the entries that map folio @f whole, else 'pte'. */
export function entryLevel(f: FolioRec): Level {
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
  return {
    label: st.id,
    folio(q, f) {
      const s = run.state
      switch (q) {
        case 'folioMapcount': return st.folioMapcount(s, f.pfn)
        case 'entireMapcount': return st.entireMapcount(s, f.pfn)
        case 'nrPagesMapped': return st.nrPagesMapped(s, f.pfn)
        case 'mappedShared': return st.mappedShared(s, f.pfn)
        case 'partiallyMapped': return st.partiallyMapped(s, f.pfn)
        default: return null
      }
    },
    page(q, f, i) {
      const s = run.state
      const pfn = f.pfn + i
      switch (q) {
        case 'pageMapcount': return st.pageMapcount(s, pfn)
        case 'kpagecount': return st.kpagecount(s, pfn)
        case 'anonExclusive': return st.anonExclusive(s, pfn)
        case 'pagemapExclusive':
          // bit 56 is only reported for present entries
          return f.entire > 0 || (f.pageMaps?.[i] ?? 0) > 0 ? st.pagemapExclusive(s, pfn, entryLevel(f)) : null
        default: return null
      }
    },
  }
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
  return {
    label: 'truth',
    folio(q, f) {
      const zero = isZero(f)
      const nr = 2 ** f.order
      switch (q) {
        case 'folioMapcount': return zero ? 0 : f.entire + f.ptes
        case 'entireMapcount': return zero || f.order === 0 ? 0 : f.entire
        case 'nrPagesMapped': return zero ? 0 : f.entire > 0 ? nr : f.pagesMapped
        case 'mappedShared': return zero ? null : f.owners.length > 2
        case 'partiallyMapped':
          if (f.kind !== 'anon' || tainted.has(f.pfn)) return null
          return f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < nr
        default: return null
      }
    },
    page(q, f, i) {
      const zero = isZero(f)
      switch (q) {
        case 'pageMapcount':
        case 'kpagecount': return zero ? 0 : (f.pageMaps?.[i] ?? 0) + f.entire
        case 'anonExclusive':
          if (f.kind !== 'anon' || (f.entire > 0 && i > 0)) return null
          return f.exclusive?.[i] === 1
        case 'pagemapExclusive': {
          const m = (f.pageMaps?.[i] ?? 0) + f.entire
          return m === 0 ? null : !zero && m === 1
        }
        default: return null
      }
    },
  }
}
