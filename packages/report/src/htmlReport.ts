import type { TopLevelSpec } from 'vega-lite'
import { MAX_POINTS, type FolioTimeline, type ReportData } from './reportData.ts'

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const hex = (n: number): string => '0x' + n.toString(16)
const num = (n: number): string => n.toLocaleString('en-US')

/** markId - the id of the table row of divergence @i (event index) of folio @pfn: the markers link to it. */
export const markId = (pfn: number, index: number, scheme: string): string => `ev-${hex(pfn)}-${index}-${scheme.replace(/[^A-Za-z0-9_.-]/g, '_')}`

/**
 * renderSvg - @spec (vega-lite) compiled to vega and rendered headless to an SVG string (no DOM, no canvas);
 * vega and vega-lite are imported on the first call.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // loaded on first use: every other command imports this package and should not pay for the charting code
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')])
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** timelineSpec - step lines of every scheme's folio_mapcount() and the truth over the event index; a red rule per divergence, linked to its row. */
export function timelineSpec(f: FolioTimeline, events: number): TopLevelSpec {
  // extend every series to the end of the trace, or of what was kept (a step line ends at its last change otherwise)
  const lastBy = new Map<string, number>()
  for (const p of f.points) lastBy.set(p.series, p.value)
  const end = Math.max(events - 1, f.points[f.points.length - 1]?.index ?? 0)
  const stop = f.cutAt ?? end
  const values = [...f.points, ...[...lastBy].map(([series, value]) => ({ index: stop, series, value }))]
  const marks = f.marks.map((m) => ({ ...m, href: '#' + markId(f.pfn, m.index, m.scheme), label: `${m.scheme}: ${m.answer} (truth ${m.truth})` }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 760,
    height: 220,
    title: `folio ${hex(f.pfn)}: folio_mapcount() per scheme and the ground truth`,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'index', type: 'quantitative', title: 'event index', scale: { domain: [0, Math.max(end, 1)] } },
          y: { field: 'value', type: 'quantitative', title: 'folio_mapcount' },
          color: { field: 'series', type: 'nominal', title: 'scheme' },
          strokeDash: { condition: { test: "datum.series === 'truth'", value: [6, 3] }, value: [1, 0] },
        },
      },
      ...(marks.length
        ? [
            {
              data: { values: marks },
              mark: { type: 'rule' as const, color: '#d62728', strokeWidth: 2, opacity: 0.8 },
              encoding: {
                x: { field: 'index', type: 'quantitative' as const },
                href: { field: 'href', type: 'nominal' as const },
                tooltip: [{ field: 'label', type: 'nominal' as const }, { field: 'cause', type: 'nominal' as const }],
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec
}

/** costSpec - grouped bars: one cost counter (@field) per event type, one bar per scheme. */
export function costSpec(d: ReportData, field: 'atomics' | 'cacheLines' | 'hvoConflicts' | 'hvoWrites', title: string): TopLevelSpec {
  const values = d.schemes.flatMap((s) => s.byType.map(([type, r]) => ({ type, scheme: s.id, value: r[field] ?? 0 })))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: { step: 14 },
    height: 220,
    title,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'type', type: 'nominal', title: 'event type', axis: { labelAngle: -40 } },
      xOffset: { field: 'scheme' },
      y: { field: 'value', type: 'quantitative', title },
      color: { field: 'scheme', type: 'nominal', title: 'scheme' },
      tooltip: [{ field: 'scheme' }, { field: 'type' }, { field: 'value', type: 'quantitative' }],
    },
  } as TopLevelSpec
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.bad{color:#b00;font-weight:600}.ok{color:#070}
tr:target{background:#ffe9a8}.note{color:#666}svg{max-width:100%;height:auto}`

/**
 * htmlReport - the self-contained HTML document of @d: summary (events, violations, per scheme its
 * divergences and total costs), then per folio of interest its timeline (SVG) with divergence markers that
 * link to the table row naming the event and its cause line, then the cost bars per scheme and event type
 * (atomics, cache lines, and when there are any HVO conflicts and HVO writes: the struct pages HVO
 * remapped read-only that a scheme writes, and the events that write them) and their table (both HVO
 * columns beside each other in the summary and the per-type table). No script and no network: every plot is an inline SVG rendered by vega-lite + vega at build time.
 */
export async function htmlReport(d: ReportData): Promise<string> {
  const out: string[] = []
  const anyDiv = d.schemes.some((s) => s.divergences > 0)
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mmsim report: ${esc(d.title)}</title><style>${CSS}</style></head><body>`)
  out.push(`<h1>mmsim report: ${esc(d.title)}</h1>`)
  out.push(`<p>${num(d.events)} events; ground-truth violations: <span class="${d.violations ? 'bad' : 'ok'}">${num(d.violations)}</span>; `)
  out.push(`folios whose folio_mapcount() some scheme got wrong: <span id="divergent-count" class="${d.divergentFolios ? 'bad' : 'ok'}">${num(d.divergentFolios)}</span>.`)
  if (d.damage.length) out.push(` <span class="bad">The trace is damaged: ${d.damage.length} damaged frame(s); the report covers the readable part.</span>`)
  out.push('</p>')
  out.push('<table><tr><th class="l">scheme</th><th class="l">kernels</th><th>divergences</th><th>atomics</th><th>PAE bitops</th><th>cache lines</th><th>bit-locks</th><th>HVO conflicts</th><th>HVO writes</th><th>bad page states</th></tr>')
  for (const s of d.schemes) {
    const t = s.total
    out.push(
      `<tr><td class="l">${esc(s.id)}</td><td class="l">${esc(s.kernels)}</td><td class="${s.divergences ? 'bad' : 'ok'}">${num(s.divergences)}</td>` +
        `<td>${num(t.atomics)}</td><td>${num(t.paeBitops)}</td><td>${num(t.cacheLines)}</td><td>${num(t.bitLocks)}</td><td>${num(t.hvoConflicts)}</td><td>${num(t.hvoWrites)}</td>` +
        `<td class="${s.freeViolations.length ? 'bad' : ''}">${s.freeViolations.length}</td></tr>`,
    )
  }
  out.push('</table>')
  out.push(`<p class="note">Divergences: (event, folio) points where a scheme's folio_mapcount() differs from the ground truth, compared after every event on the folio it names. The time axis of every plot is the 0-based event index.</p>`)
  if (d.firstViolations.length) {
    out.push('<h2>Ground-truth violations</h2><table><tr><th>event</th><th class="l">type</th><th class="l">cause</th><th class="l">message</th></tr>')
    for (const v of d.firstViolations) out.push(`<tr><td>${v.index}</td><td class="l">${esc(v.type)}</td><td class="l">${esc(v.cause)}</td><td class="l">${esc(v.message)}</td></tr>`)
    out.push('</table>')
  }
  out.push(`<h2>Folios of interest</h2><p>${anyDiv ? 'Divergent folios first (by first divergence), then the busiest.' : 'No scheme diverged: the busiest folios.'}</p><ul>`)
  for (const f of d.folios) out.push(`<li><a href="#folio-${hex(f.pfn)}">folio ${hex(f.pfn)}</a> (${esc(f.shape || 'never live')}, ${f.why}, ${num(f.touches)} events, ${f.marks.length} divergence(s))</li>`)
  out.push('</ul>')
  for (const f of d.folios) {
    out.push(`<section id="folio-${hex(f.pfn)}" class="folio"><h2>folio ${hex(f.pfn)} — ${esc(f.shape || 'never live')} (${f.why})</h2>`)
    out.push(await renderSvg(timelineSpec(f, d.events)))
    if (f.cutAt !== null) out.push(`<p class="note">Timeline cut at event ${f.cutAt}: more than ${MAX_POINTS.toLocaleString('en-US')} changes of the answers to plot (the lines stop there).</p>`)
    if (f.marks.length) {
      out.push('<table class="divergences"><tr><th>event</th><th class="l">type</th><th class="l">cause</th><th class="l">scheme</th><th>answer</th><th>truth</th></tr>')
      for (const m of f.marks)
        out.push(
          `<tr id="${markId(f.pfn, m.index, m.scheme)}" class="divergence"><td>${m.index}</td><td class="l">${esc(m.type)}</td><td class="l">${esc(m.cause)}</td>` +
            `<td class="l">${esc(m.scheme)}</td><td class="bad">${m.answer}</td><td>${m.truth}</td></tr>`,
        )
      out.push('</table>')
    } else out.push('<p class="ok">Every scheme agrees with the ground truth on this folio.</p>')
    out.push('</section>')
  }
  out.push('<h2 id="costs">Costs per scheme and event type</h2>')
  out.push(await renderSvg(costSpec(d, 'atomics', 'atomics')))
  out.push(await renderSvg(costSpec(d, 'cacheLines', 'cache lines')))
  if (d.schemes.some((s) => s.total.hvoConflicts > 0)) out.push(await renderSvg(costSpec(d, 'hvoConflicts', 'HVO conflicts')))
  if (d.schemes.some((s) => s.total.hvoWrites > 0)) out.push(await renderSvg(costSpec(d, 'hvoWrites', 'HVO writes')))
  out.push('<table><tr><th class="l">scheme</th><th class="l">event type</th><th>events</th><th>atomics</th><th>PAE bitops</th><th>cache lines</th><th>bit-locks</th><th>HVO conflicts</th><th>HVO writes</th></tr>')
  for (const s of d.schemes)
    for (const [type, r] of s.byType)
      out.push(
        `<tr><td class="l">${esc(s.id)}</td><td class="l">${esc(type)}</td><td>${num(r.events)}</td><td>${num(r.atomics)}</td><td>${num(r.paeBitops)}</td>` +
          `<td>${num(r.cacheLines)}</td><td>${num(r.bitLocks)}</td><td>${num(r.hvoConflicts)}</td><td>${num(r.hvoWrites ?? 0)}</td></tr>`,
      )
  out.push('</table></body></html>\n')
  return out.join('\n')
}
