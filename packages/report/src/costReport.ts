import { num, ratio, table, wrap, type Cell, type Column, type StrategyOutcome } from '@mmsim/analysis'

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

const COLS: Column[] = ['events', 'atomics', '/event', 'PAE bitops', 'cache lines', 'bit-locks', 'HVO conflicts', 'HVO writes'].map((title) => ({ title, align: 'right' }))

function cells(label: string, r: Row): Cell[] {
  return [label, r.events, r.atomics, ratio(r.atomics, r.events), r.paeBitops, r.cacheLines, r.bitLocks, r.hvoConflicts, r.hvoWrites ?? 0]
}

/**
 * formatCostReport - the text cost tables: one comparison of totals across schemes, then per scheme the
 * mapcount-family atomic RMWs, PageAnonExclusive bit operations, struct-page cache lines written,
 * bit-spinlock acquisitions, HVO conflicts (struct pages) and HVO writes (events) per event type (event
 * types that cost nothing anywhere are left out of the per-scheme tables).
 */
export function formatCostReport(rep: CostReport): string {
  const out: string[] = []
  out.push('mapcount schemes: cost totals (mapcount-family atomics; cache lines = struct pages written)')
  out.push(...table([{ title: 'scheme' }, ...COLS], rep.strategies.map((s) => cells(s.id, s.total)), { indent: '  ' }))
  for (const s of rep.strategies) {
    out.push('')
    out.push(...wrap(`${s.id} — ${s.kernels}: ${s.summary}`, undefined, '    '))
    const rows = Object.entries(s.byType).filter(([, r]) => r.atomics + r.paeBitops + r.cacheLines + r.bitLocks + r.hvoConflicts > 0)
    out.push(...table([{ title: 'event type' }, ...COLS], [...rows.map(([t, r]) => cells(t, r)), cells('total', s.total)], { indent: '  ' }))
    if (s.freeViolations.length > 0) {
      out.push(`  ${num(s.freeViolations.length)} folio${s.freeViolations.length === 1 ? '' : 's'} freed with counters not at their initial values:`)
      for (const v of s.freeViolations.slice(0, 5)) out.push(`    ${v}`)
    }
  }
  return out.join('\n')
}
