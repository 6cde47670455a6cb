import type { StrategyOutcome } from '@mmsim/analysis'

type Row = StrategyOutcome['total']

/** CostReport - the JSON document of the per-scheme cost tables (`mmsim replay --strategy … --json`). */
export interface CostReport {
  strategies: {
    id: string
    kernels: string
    summary: string
    total: Row
    byType: Record<string, Row>
    freeViolations: readonly string[]
  }[]
}

/** costReport - the cost document of the schemes' outcomes @outcomes. */
export function costReport(outcomes: readonly StrategyOutcome[]): CostReport {
  return {
    strategies: outcomes.map((o) => ({
      id: o.id,
      kernels: o.description.kernels,
      summary: o.description.summary,
      total: o.total,
      byType: Object.fromEntries([...o.costs].filter(([, r]) => r.events > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      freeViolations: o.freeViolations,
    })),
  }
}

const num = (n: number): string => n.toLocaleString('en-US')
const per = (a: number, n: number): string => (n === 0 ? '-' : (a / n).toFixed(a / n >= 100 ? 0 : 2))
const COLS = ['events', 'atomics', '/event', 'PAE bitops', 'cache lines', 'bit-locks', 'HVO conflicts'] as const
const WIDTH = [12, 13, 9, 12, 13, 11, 14]

function line(label: string, r: Row, labelWidth: number): string {
  const cells = [num(r.events), num(r.atomics), per(r.atomics, r.events), num(r.paeBitops), num(r.cacheLines), num(r.bitLocks), num(r.hvoConflicts)]
  return `  ${label.padEnd(labelWidth)}${cells.map((c, i) => c.padStart(WIDTH[i]!)).join('')}`
}

function header(label: string, labelWidth: number): string {
  return `  ${label.padEnd(labelWidth)}${COLS.map((c, i) => c.padStart(WIDTH[i]!)).join('')}`
}

/**
 * formatCostReport - the text cost tables: one comparison of totals across schemes, then per scheme the
 * mapcount-family atomic RMWs, PageAnonExclusive bit operations, struct-page cache lines written,
 * bit-spinlock acquisitions and HVO conflicts per event type (event types that cost nothing anywhere are
 * left out of the per-scheme tables).
 */
export function formatCostReport(rep: CostReport): string {
  const out: string[] = []
  const idWidth = Math.max(10, ...rep.strategies.map((s) => s.id.length)) + 2
  out.push('mapcount schemes: cost totals (mapcount-family atomics; cache lines = struct pages written)')
  out.push(header('scheme', idWidth))
  for (const s of rep.strategies) out.push(line(s.id, s.total, idWidth))
  for (const s of rep.strategies) {
    out.push('')
    out.push(`${s.id} — ${s.kernels}: ${s.summary}`)
    const rows = Object.entries(s.byType).filter(([, r]) => r.atomics + r.paeBitops + r.cacheLines + r.bitLocks + r.hvoConflicts > 0)
    const w = Math.max(24, ...rows.map(([t]) => t.length)) + 2
    out.push(header('event type', w))
    for (const [t, r] of rows) out.push(line(t, r, w))
    out.push(line('total', s.total, w))
    if (s.freeViolations.length > 0) {
      out.push(`  ${num(s.freeViolations.length)} folio${s.freeViolations.length === 1 ? '' : 's'} freed with counters not at their initial values:`)
      for (const v of s.freeViolations.slice(0, 5)) out.push(`    ${v}`)
    }
  }
  return out.join('\n')
}
