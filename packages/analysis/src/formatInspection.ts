import { FOLIO_QUERIES, QUERY_NAMES, type QueryName } from './answerSides.ts'
import { formatAnswer, formatEvent } from './formatDivergence.ts'
import { table, type Cell } from './formatTable.ts'
import type { InspectedPage, Inspection } from './inspectTrace.ts'

const hex = (n: number): string => '0x' + n.toString(16)

const PAGE_QS = QUERY_NAMES.filter((q) => !FOLIO_QUERIES.has(q))
const FOLIO_QS = QUERY_NAMES.filter((q) => FOLIO_QUERIES.has(q))

function short(a: boolean | number | null): string {
  return a === null ? '-' : a === true ? 'y' : a === false ? 'n' : String(a)
}

function pageKey(p: InspectedPage, sides: string[]): string {
  return p.mappings.map((m) => `${m.pid}/${m.level}`).join(',') + '|' + sides.map((s) => PAGE_QS.map((q) => formatAnswer(p.answers[s]?.[q] ?? null)).join(',')).join('|')
}

function cell(a: boolean | number | null): Cell {
  return typeof a === 'number' ? a : formatAnswer(a)
}

/**
 * formatInspection - `mmsim inspect` as text: the event, then per folio a table of folio answers (one row
 * per side) and a table of pages (runs of consecutive pages with the same mappings and answers merged):
 * the entries mapping them (pid:level@vpn) and each side's page answers.
 */
export function formatInspection(r: Inspection): string[] {
  const which = r.shown === 'touched'
    ? `${r.folios.length} folio(s) event ${r.at} touched, of ${r.liveFolios.toLocaleString('en-US')} live (--all: every folio; --folio F: one, with every page)`
    : r.shown === 'all' ? `${r.folios.length} folio(s)` : `${r.folios.length} folio(s) asked for`
  const out = [`state after event ${r.at}: ${formatEvent(r.event)}`, `${which}; ground-truth violations so far: ${r.violations}`]
  for (const f of r.folios) {
    out.push('', `folio ${hex(f.folio)} ${f.kind} order ${f.order}${f.unmappedPages > 0 ? ` (${f.unmappedPages} unmapped pages not shown)` : ''}`)
    const folioRows = r.sides.map((s) => [s, ...FOLIO_QS.map((q: QueryName) => cell(f.answers[s]?.[q] ?? null))])
    out.push(...table([{ title: 'side' }, ...FOLIO_QS.map((q) => ({ title: q, align: 'right' as const }))], folioRows, { indent: '  ' }))
    const rows: string[][] = []
    for (let i = 0; i < f.pages.length; ) {
      const p = f.pages[i]!
      const k = pageKey(p, r.sides)
      let j = i + 1
      while (j < f.pages.length && f.pages[j]!.pfn === f.pages[j - 1]!.pfn + 1 && pageKey(f.pages[j]!, r.sides) === k) j++
      const last = f.pages[j - 1]!
      const range = j - i === 1 ? `+${p.pfn - f.folio}` : `+${p.pfn - f.folio}..${last.pfn - f.folio}`
      const mapped = p.mappings.map((m) => `p${m.pid}:${m.level}@${hex(m.vpn)}`).join(' ') || '-'
      rows.push([range, j - i === 1 ? mapped : mapped + ' …', ...r.sides.map((s) => PAGE_QS.map((q) => short(p.answers[s]?.[q] ?? null)).join('/'))])
      i = j
    }
    if (rows.length === 0) continue
    out.push(`  pages: ${PAGE_QS.join('/')} per side (y/n, - = not answered)`)
    out.push(...table([{ title: 'pages' }, { title: 'mapped by (pid:level@vpn)' }, ...r.sides.map((title) => ({ title }))], rows, { indent: '  ' }))
  }
  return out
}
