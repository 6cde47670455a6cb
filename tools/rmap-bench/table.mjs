// Prints the README table of the rmap overhaul benchmarks (traces/rmap-bench): per benchmark the modelled
// rmap time of linux-6.2 and linux-6.8 for the operation alone (the scenario's `mmsim cost` total minus that
// of its baseline scenario, which populates the same memory) and the change, next to the change seed 001
// measured. Run: node tools/rmap-bench/table.mjs (about a minute; uses dist/mmsim.mjs).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const IDS = ['linux-6.2', 'linux-6.8']

// [benchmark, baseline, measured by seed 001 (Xeon Silver 4210R, 1 GiB, mm-stable before/after the series)]
const ROWS = [
  ['munmap-small', 'populate-small', '< 1 % faster'],
  ['fork-small', 'populate-small', '0.74 % faster ("might be just some noise")'],
  ['cow-small', 'fork-small', '< 1 % faster'],
  ['dontneed-small', 'populate-small', '< 1 % faster'],
  ['pte-remap-thp', 'populate-thp', '> 10 % faster'],
  ['munmap-pte-thp', 'pte-remap-thp', '< 1 % faster'],
  ['fork-pte-thp', 'pte-remap-thp', '> 4 % faster'],
  ['cow-pte-thp', 'fork-pte-thp', 'faster (no figure given)'],
  ['dontneed-pte-thp', 'pte-remap-thp', '2 % faster'],
]

const cache = new Map()
function cost(name) {
  if (cache.has(name)) return cache.get(name)
  const r = spawnSync(process.execPath, ['dist/mmsim.mjs', 'cost', `traces/rmap-bench/${name}.scenario`, '--strategy', IDS.join(','), '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`mmsim cost ${name}: exit ${r.status}: ${r.stderr}`)
  const doc = JSON.parse(r.stdout)
  const out = Object.fromEntries(doc.schemes.map((s) => [s.id, s.total]))
  cache.set(name, out)
  return out
}

const ms = (ns) => (ns / 1e6).toFixed(2)
const lines = [
  '| benchmark (1 GiB) | rmap calls 6.2 → 6.8 | folio lookups 6.2 → 6.8 | modelled rmap ms 6.2 → 6.8 | modelled | measured (seed 001) |',
  '|---|---|---|---|---|---|',
]
for (const [bench, base, measured] of ROWS) {
  const b = cost(bench)
  const a = cost(base)
  const d = (id, k) => b[id][k] - a[id][k]
  const [x, y] = IDS
  const change = (1 - d(y, 'modelledNs') / d(x, 'modelledNs')) * 100
  lines.push(`| \`${bench}\` | ${d(x, 'rmapCalls').toLocaleString('en-US')} → ${d(y, 'rmapCalls').toLocaleString('en-US')} | ${d(x, 'folioLookups').toLocaleString('en-US')} → ${d(y, 'folioLookups').toLocaleString('en-US')} | ${ms(d(x, 'modelledNs'))} → ${ms(d(y, 'modelledNs'))} | ${change < 0.05 ? '0.0 %' : `−${change.toFixed(1)} %`} | ${measured} |`)
}
process.stdout.write(lines.join('\n') + '\n')
