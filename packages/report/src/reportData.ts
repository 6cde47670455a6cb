import { CHUNK_PAGES, KIND_NAMES, type Violation } from '@mmsim/core'
import { StrategySet, totalCost, type AnyStrategy, type CostRow } from '@mmsim/strategies'
import type { FrameDamage } from '@mmsim/trace'
import { eventFolio, TopCounter } from './busiestFolios.ts'
import { isZeroFolio, replaySchemes, truthMapcount } from './schemeReplay.ts'

/** DEFAULT_REPORT_FOLIOS - how many folios the HTML report shows (divergent ones first, then the busiest). */
export const DEFAULT_REPORT_FOLIOS = 6
/** MAX_POINTS - timeline points kept per folio (a longer history is cut there, and says so). */
export const MAX_POINTS = 20_000
/** MAX_MARKS - divergence markers kept per folio. */
const MAX_MARKS = 200
/** MAX_DIVERGENT - divergent folios remembered by the first pass. */
const MAX_DIVERGENT = 256

/** DivergenceMark - where scheme @scheme's folio_mapcount() of a folio started to differ from the truth: after event @index (@type, @cause). */
interface DivergenceMark {
  index: number
  type: string
  cause: string
  scheme: string
  answer: number
  truth: number
}

/** TimelinePoint - series @series (a scheme id or 'truth') answered @value after event @index (kept only when it changed). */
interface TimelinePoint {
  index: number
  series: string
  value: number
}

/** FolioTimeline - one folio of interest: its answers over the trace and its divergences. */
export interface FolioTimeline {
  pfn: number
  why: 'divergent' | 'busiest'
  /** order and kind when first seen live, e.g. "order 9 anon" */
  shape: string
  touches: number
  points: TimelinePoint[]
  marks: DivergenceMark[]
  /** the event index at which {@link MAX_POINTS} was reached, or null */
  cutAt: number | null
}

/** SchemeSummary - one scheme: its description, divergences counted over every event, costs. */
interface SchemeSummary {
  id: string
  kernels: string
  summary: string
  /** (event, folio) points at which its folio_mapcount() differed from the truth, over all folios */
  divergences: number
  total: CostRow
  byType: [string, CostRow][]
  freeViolations: readonly string[]
}

/** ReportData - what the HTML report shows. */
export interface ReportData {
  title: string
  events: number
  schemes: SchemeSummary[]
  violations: number
  firstViolations: Violation[]
  divergentFolios: number
  folios: FolioTimeline[]
  damage: FrameDamage[]
}

/**
 * reportData - two passes over trace @file with @strategies beside the ground truth. The first compares
 * every scheme's folio_mapcount() with the truth's on the folio each event names, after every event (all
 * folios: divergence counts and the first divergence of up to 256 folios), counts the events naming each
 * folio other than the zero pages (a bounded TopCounter) and ends with the cost tables. The second records, for @max folios —
 * divergent ones first (by first divergence), then the busiest — every change of every answer and of the
 * truth (up to 20 000 points per folio) and where each divergence starts. Memory: the states, the counters
 * and the kept points.
 */
export function reportData(file: string, strategies: readonly AnyStrategy[], title: string, max = DEFAULT_REPORT_FOLIOS): ReportData {
  const set = new StrategySet(strategies)
  const S = set.runs.length
  const busy = new TopCounter(Math.max(1024, 64 * max))
  const divergent = new Map<number, number>()
  const divCount = new Float64Array(S)
  let violations = 0
  const firstViolations: Violation[] = []
  const first = replaySchemes(file, set, {
    onViolation(_ts, v) {
      violations++
      if (v !== undefined && firstViolations.length < 20) firstViolations.push(v)
    },
    onEvent(e, ts, truth, lo) {
      const f = lo >= 0 ? lo : eventFolio(e)
      if (f < 0 || isZeroFolio(truth, f)) return
      busy.add(f)
      const t = truthMapcount(truth, f)
      if (t < 0) return
      for (let j = 0; j < S; j++) {
        const r = set.runs[j]!
        if (r.strategy.folioMapcount(r.state, f) === t) continue
        divCount[j]!++
        if (!divergent.has(f) && divergent.size < MAX_DIVERGENT) divergent.set(f, ts)
      }
    },
  })
  const schemes: SchemeSummary[] = set.runs.map((r, j) => {
    const costs = r.strategy.costs(r.state)
    return {
      id: r.strategy.id,
      kernels: r.strategy.description.kernels,
      summary: r.strategy.description.summary,
      divergences: divCount[j]!,
      total: totalCost(costs),
      byType: [...costs].filter(([, c]) => c.events > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      freeViolations: r.strategy.freeViolations(r.state),
    }
  })
  const picked = [...divergent].sort((a, b) => a[1] - b[1]).map(([f]) => f).slice(0, max)
  for (const f of busy.top(max + picked.length)) if (picked.length < max && !picked.includes(f)) picked.push(f)
  const folios = timelines(file, strategies, picked, new Set(divergent.keys()))
  return { title, events: first.events, schemes, violations, firstViolations, divergentFolios: divergent.size, folios, damage: first.damage }
}

function timelines(file: string, strategies: readonly AnyStrategy[], pfns: number[], divergent: ReadonlySet<number>): FolioTimeline[] {
  const set = new StrategySet(strategies)
  const S = set.runs.length
  const ids = set.runs.map((r) => r.strategy.id)
  const out: FolioTimeline[] = pfns.map((pfn) => ({ pfn, why: divergent.has(pfn) ? 'divergent' : 'busiest', shape: '', touches: 0, points: [], marks: [], cutAt: null }))
  const slot = new Map(pfns.map((p, k) => [p, k]))
  const last = new Float64Array(pfns.length * (S + 1)).fill(NaN)
  const diverging = new Uint8Array(pfns.length * S)
  const sample = (k: number, ts: number, e: { type: string; cause: string }, t: number, answer: (j: number) => number): void => {
    const tl = out[k]!
    tl.touches++
    const put = (track: number, series: string, v: number): void => {
      const i = k * (S + 1) + track
      if (last[i] === v) return
      last[i] = v
      if (tl.points.length >= MAX_POINTS) {
        tl.cutAt ??= ts
        return
      }
      tl.points.push({ index: ts, series, value: v })
    }
    put(S, 'truth', Math.max(t, 0))
    for (let j = 0; j < S; j++) {
      const v = t < 0 ? 0 : answer(j)
      put(j, ids[j]!, v)
      const differs = t >= 0 && v !== t
      const d = k * S + j
      if (differs && diverging[d] === 0 && tl.marks.length < MAX_MARKS) tl.marks.push({ index: ts, type: e.type, cause: e.cause, scheme: ids[j]!, answer: v, truth: t })
      diverging[d] = differs ? 1 : 0
    }
  }
  replaySchemes(file, set, {
    onEvent(e, ts, truth, lo, hi) {
      const visit = (k: number): void => {
        const pfn = pfns[k]!
        const t = truthMapcount(truth, pfn)
        if (t >= 0 && out[k]!.shape === '') {
          const c = truth.folios.chunk(pfn)!
          out[k]!.shape = `order ${truth.folios.headOrder(pfn)} ${KIND_NAMES[c.kind[pfn & (CHUNK_PAGES - 1)]!] ?? ''}`
        }
        sample(k, ts, e, t, (j) => set.runs[j]!.strategy.folioMapcount(set.runs[j]!.state, pfn))
      }
      if (lo >= 0) {
        for (let k = 0; k < pfns.length; k++) if (pfns[k]! >= lo && pfns[k]! < hi) visit(k)
        return
      }
      const f = eventFolio(e)
      if (f < 0) return
      const k = slot.get(f)
      if (k !== undefined) visit(k)
    },
  })
  return out
}
