import type { CostRow } from '@mmsim/strategies'
import type { DiffResult } from './diffTrace.ts'
import { formatAnswer, formatEvent } from './formatDivergence.ts'

const COST_FIELDS = ['atomics', 'cacheLines', 'bitLocks', 'paeBitops', 'hvoConflicts'] as const

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd())
}

function costCells(a: CostRow, b: CostRow): string[] {
  return COST_FIELDS.flatMap((f) => [String(a[f]), String(b[f])])
}

/**
 * formatDiff - `mmsim diff` as text: the verdict, one line per query (points that disagree and the first
 * one), the cost table per event type with both schemes side by side and the totals, and the words each
 * scheme writes.
 */
export function formatDiff(r: DiffResult): string[] {
  const [A, B] = r.labels
  const out = [`diff ${A} vs ${B}: ${r.events} events, ${r.same ? 'same answers' : 'answers differ'}${r.skipped ? ` (${r.skipped} events broke a precondition, not compared)` : ''}`]
  out.push('', 'queries (disagreeing event × folio/page points; first one):')
  for (const q of r.queries) {
    const f = q.first
    const first = f === null ? '' : `  first: event ${f.index} ${formatEvent(f.event)}, ${f.page === null ? `folio 0x${f.folio.toString(16)}` : `page 0x${f.page.toString(16)}`}: ${A} ${formatAnswer(f.a)}, ${B} ${formatAnswer(f.b)}`
    out.push(`  ${q.query.padEnd(17)} ${String(q.points).padStart(8)}${first}`)
  }
  out.push('', `costs (A = ${A}, B = ${B}):`)
  const head = ['event type', 'events', ...COST_FIELDS.flatMap((f) => [`${f} A`, `${f} B`])]
  const rows = r.costs.map((c) => [c.type, String(Math.max(c.a.events, c.b.events)), ...costCells(c.a, c.b)])
  rows.push(['total', String(Math.max(r.totals.a.events, r.totals.b.events)), ...costCells(r.totals.a, r.totals.b)])
  out.push(...table([head, ...rows]).map((l) => '  ' + l))
  out.push('', 'struct page / folio words written:')
  r.labels.forEach((l, i) => {
    out.push(`  ${l}:`)
    for (const [k, v] of Object.entries(r.words[i]!)) out.push(`    ${k}: ${v}`)
  })
  return out
}
