// Print a compact summary of stored observations: per check, per process and mapping, runs of equal
// pages as `f<folio> (F: a distinct order-0 folio each)o<order>m<mapcount>[x][z][a][t][h]*count` (x exclusive, z zero, a anon, t thp, h hugetlb), `-` = absent.
// Usage: pnpm exec tsx tools/kernel-runner/summarize.ts traces/scenarios/NAME.kernel.json...
import { readFileSync } from 'node:fs'
import type { ObservationDocument } from '../../packages/kernel/src/index.ts'

for (const f of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(f, 'utf8')) as ObservationDocument
  console.log(`== ${doc.scenario}${doc.refused.length ? ' refused=' + JSON.stringify(doc.refused.map((r) => `L${r.line} ${r.op} ${r.errno}`)) : ''}`)
  for (const c of doc.checks) {
    const parts = Object.entries(c.procs).map(([pr, ms]) =>
      pr + '{' + Object.entries(ms).map(([m, pgs]) => {
        const runs: string[] = []
        let prev = ''
        let cnt = 0
        for (const pg of pgs) {
          const k = pg.present ? `${pg.order === 0 && pg.folio !== null ? "F" : "f" + pg.folio}o${pg.order}m${pg.mapcount}${pg.exclusive ? 'x' : ''}${pg.zero ? 'z' : ''}${pg.anon ? 'a' : ''}${pg.thp ? 't' : ''}${pg.hugetlb ? 'h' : ''}` : '-'
          if (k === prev) cnt++
          else {
            if (cnt) runs.push(cnt > 1 ? `${prev}*${cnt}` : prev)
            prev = k
            cnt = 1
          }
        }
        if (cnt) runs.push(cnt > 1 ? `${prev}*${cnt}` : prev)
        return `${m}: ${runs.join(' ')}`
      }).join('; ') + '}')
    console.log(`  L${c.line}${c.vmemmapPagesDelta === undefined ? '' : ` vmemmap${c.vmemmapPagesDelta}`}: ${parts.join(' ')}`)
  }
}
