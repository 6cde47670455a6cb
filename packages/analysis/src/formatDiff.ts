import type { CostRow } from '@mmsim/strategies'
import type { DiffResult } from './diffTrace.ts'
import { formatAnswer, formatEvent } from './formatDivergence.ts'
import { ratio, table, wrap, type Cell, type Column } from './formatTable.ts'

const hex = (n: number): string => '0x' + n.toString(16)

/** COST_COLUMNS - the cost columns, named and ordered as in `mmsim replay --strategy`'s cost tables. */
const COST_COLUMNS: Column[] = ['atomics', '/event', 'PAE bitops', 'cache lines', 'bit-locks', 'HVO conflicts', 'HVO writes'].map((title) => ({ title, align: 'right' }))

function costCells(r: CostRow): Cell[] {
  return [r.atomics, ratio(r.atomics, r.events), r.paeBitops, r.cacheLines, r.bitLocks, r.hvoConflicts, r.hvoWrites ?? 0]
}

/** two rows per event type: scheme A's costs, then scheme B's (its event count only where it differs from A's) */
function costRows(type: string, a: CostRow, b: CostRow): Cell[][] {
  return [[type, a.events, 'A', ...costCells(a)], ['', b.events === a.events ? '' : b.events, 'B', ...costCells(b)]]
}

/**
 * formatDiff - `mmsim diff` as text, within 120 columns: the verdict; one line per query (points that
 * disagree and the first one: event index and type, folio or page, both answers) and the first events in
 * full; the cost table per event type with scheme A's and scheme B's rows one under the other, then the
 * totals; the words each scheme writes.
 */
export function formatDiff(r: DiffResult): string[] {
  const [A, B] = r.labels
  const out = [`diff ${A} (A) vs ${B} (B): ${r.events} events, ${r.same ? 'same answers' : 'answers differ'}${r.skipped ? ` (${r.skipped} events broke a precondition, not compared)` : ''}`]
  out.push('', 'queries (disagreeing event × folio/page points; first one):')
  const firsts = new Map<number, string>()
  const rows = r.queries.map((q): Cell[] => {
    const f = q.first
    if (f === null) return [q.query, q.points]
    firsts.set(f.index, formatEvent(f.event))
    const where = f.page === null ? `folio ${hex(f.folio)}` : `page ${hex(f.page)}`
    return [q.query, q.points, `first: event ${f.index} ${f.event.type}, ${where}: A ${formatAnswer(f.a)}, B ${formatAnswer(f.b)}`]
  })
  out.push(...table([{ title: 'query' }, { title: 'points', align: 'right', min: 8 }, { title: 'first' }], rows, { indent: '  ', head: false }))
  if (firsts.size > 0) {
    out.push('', 'first disagreeing events:')
    for (const [i, e] of [...firsts].sort(([x], [y]) => x - y)) out.push(...wrap(`  event ${i}: ${e}`))
  }
  out.push('', 'costs per event type (mapcount-family atomics; cache lines = struct pages written):')
  const costs = r.costs.flatMap((c) => costRows(c.type, c.a, c.b))
  costs.push(...costRows('total', r.totals.a, r.totals.b))
  out.push(...table([{ title: 'event type' }, { title: 'events', align: 'right' }, { title: '' }, ...COST_COLUMNS], costs, { indent: '  ' }))
  out.push('', 'writes to struct pages HVO maps read-only (6.18: struct pages 64… of an optimized HugeTLB folio):')
  r.labels.forEach((l, i) => {
    const h = r.hvo[i]!
    out.push(h.first === null ? `  ${l}: none` : `  ${l}: ${h.writes} event${h.writes === 1 ? '' : 's'}, first: event ${h.first.index}: ${formatEvent(h.first.event)}`)
  })
  if (r.notices.some((n) => n.length > 0)) {
    out.push('', 'events a scheme has no rule for (counted by its nearest rule; answers on those folios not exact):')
    r.labels.forEach((l, i) => {
      for (const n of r.notices[i]!) out.push(...wrap(`  ${l}: ${n}`, undefined, '      '))
    })
  }
  out.push('', 'struct page / folio words written:')
  r.labels.forEach((l, i) => {
    out.push(`  ${l}:`)
    for (const [k, v] of Object.entries(r.words[i]!)) out.push(...wrap(`    ${k}: ${v}`, undefined, ' '.repeat(6 + k.length)))
  })
  return out.flatMap((l) => wrap(l))
}
