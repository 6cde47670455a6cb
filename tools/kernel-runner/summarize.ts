import { readFileSync } from 'node:fs'
import { observeLive, parseScenario } from '../../packages/kernel/src/index.ts'
const f = process.argv[2]!, n = Number(process.argv[3] ?? 10)
const p = parseScenario(readFileSync(f, 'utf8'), f)
const seen = new Map<string, number>()
for (let i = 0; i < n; i++) {
  let retried = false
  const doc = await observeLive(p, { note: () => (retried = true) })
  const summary = doc.checks.map((c) => `L${c.line}: ` + Object.entries(c.procs).map(([pr, ms]) => pr + '{' + Object.entries(ms).map(([m, pgs]) => {
    const parts: string[] = []; let prev = ''; let cnt = 0
    for (const pg of pgs) { const k = pg.present ? `f${pg.folio}o${pg.order}m${pg.mapcount}${pg.exclusive ? 'x' : ''}${pg.zero ? 'z' : ''}` : '-'; if (k === prev) cnt++; else { if (cnt) parts.push(`${prev}*${cnt}`); prev = k; cnt = 1 } }
    parts.push(`${prev}*${cnt}`); return m + ':' + parts.join(' ') }).join(' ') + '}').join(' ')).join('\n') + ' refused=' + JSON.stringify(doc.refused) + (retried ? ' RETRIED' : '')
  seen.set(summary, (seen.get(summary) ?? 0) + 1)
}
for (const [k, v] of seen) console.log(`${v}x\n${k}\n`)
