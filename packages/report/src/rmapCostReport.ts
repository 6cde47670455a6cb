import { num, table, type Cell, type Column, type StrategyOutcome } from '@mmsim/analysis'
import { modelledNs, NS_PER } from '@mmsim/strategies'

/** RmapCostRow - one row of `mmsim cost`: the rmap work of some events under one scheme. */
interface RmapCostRow {
  events: number
  rmapCalls: number
  folioLookups: number
  atomics: number
  cacheLines: number
  modelledNs: number
}

/** RmapCostReport - the body of `mmsim cost --json` (format mmsim-cost/1). */
export interface RmapCostReport {
  /** the per-item costs modelledNs is made of, in nanoseconds (packages/strategies/src/modelledNs.ts) */
  nsPer: typeof NS_PER
  schemes: { id: string; kernels: string; total: RmapCostRow; byType: Record<string, RmapCostRow> }[]
}

type Row = StrategyOutcome['total']

const rowOf = (r: Row): RmapCostRow => ({
  events: r.events,
  rmapCalls: r.rmapCalls ?? 0,
  folioLookups: r.folioLookups ?? 0,
  // the model charges PageAnonExclusive bitops as atomics (they are LOCK'd set_bit/clear_bit)
  atomics: r.atomics + r.paeBitops,
  cacheLines: r.cacheLines,
  modelledNs: modelledNs({ rmapCalls: r.rmapCalls ?? 0, folioLookups: r.folioLookups ?? 0, atomics: r.atomics, paeBitops: r.paeBitops, cacheLines: r.cacheLines }),
})

/** rmapCostReport - the rmap-call cost document of the schemes' outcomes @outcomes (event types with no rmap work left out of byType). */
export function rmapCostReport(outcomes: readonly StrategyOutcome[]): RmapCostReport {
  return {
    nsPer: NS_PER,
    schemes: outcomes.map((o) => ({
      id: o.id,
      kernels: o.description.kernels,
      total: rowOf(o.total),
      byType: Object.fromEntries(
        [...o.costs]
          .map(([t, r]) => [t, rowOf(r)] as const)
          .filter(([, r]) => r.rmapCalls + r.atomics + r.cacheLines > 0)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
    })),
  }
}

const COLS: Column[] = ['events', 'rmap calls', 'folio lookups', 'atomics', 'cache lines', 'modelled µs'].map((title) => ({ title, align: 'right' }))
const us = (ns: number): string => (ns / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const cells = (label: string, r: RmapCostRow): Cell[] => [label, r.events, r.rmapCalls, r.folioLookups, r.atomics, r.cacheLines, us(r.modelledNs)]

/**
 * formatRmapCostReport - the text of @rep: totals per scheme (with each scheme's modelled time relative to
 * the first one), then per scheme the event types that did rmap work.
 */
export function formatRmapCostReport(rep: RmapCostReport): string {
  const p = rep.nsPer
  const out: string[] = [
    'rmap work per scheme (rmap calls: a batched _ptes call counts once; atomics include PageAnonExclusive bitops)',
    `modelled = calls × ${p.call} ns + folio lookups × ${p.folioLookup} ns + atomics × ${p.atomic} ns + cache lines × ${p.cacheLine} ns (the rmap part only: no page-table walk, TLB flush, freeing)`,
  ]
  const first = rep.schemes[0]?.total.modelledNs ?? 0
  const vs = (ns: number): string => (first === 0 ? '' : `${ns <= first ? '−' : '+'}${(Math.abs(1 - ns / first) * 100).toFixed(1)} %`)
  out.push(...table([{ title: 'scheme' }, ...COLS, { title: `vs ${rep.schemes[0]?.id ?? ''}`, align: 'right' }], rep.schemes.map((s, i) => [...cells(s.id, s.total), i === 0 ? '' : vs(s.total.modelledNs)]), { indent: '  ' }))
  for (const s of rep.schemes) {
    out.push('', `${s.id} — ${s.kernels}`)
    const rows = Object.entries(s.byType)
    if (rows.length === 0) {
      out.push('  no rmap work')
      continue
    }
    out.push(...table([{ title: 'event type' }, ...COLS], [...rows.map(([t, r]) => cells(t, r)), cells('total', s.total)], { indent: '  ' }))
  }
  out.push('', `${num(rep.schemes.length)} scheme${rep.schemes.length === 1 ? '' : 's'}`)
  return out.join('\n')
}
