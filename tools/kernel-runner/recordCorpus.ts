// Record (or verify) the live-kernel observations of traces/scenarios/*.scenario.
// Usage: pnpm exec tsx tools/kernel-runner/recordCorpus.ts [--runs N] [--write] [NAME-SUBSTRING...]
// Runs every selected scenario N times (default 3); reports scenarios whose runs differ and, with
// --write, stores NAME.kernel.json from the first run when all runs agree.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { canonicalJson, observeLive, parseScenario } from '../../packages/kernel/src/index.ts'

const dir = join(import.meta.dirname, '../../traces/scenarios')
const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3
const write = args.includes('--write')
const filters = args.filter((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1))
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
let unstable = 0
let changed = 0
for (const f of files) {
  const name = f.replace(/\.scenario$/, '')
  const parsed = parseScenario(readFileSync(join(dir, f), 'utf8'), f)
  const outs: string[] = []
  const t0 = Date.now()
  for (let i = 0; i < runs; i++) outs.push(canonicalJson(await observeLive(parsed, { note: (m) => console.error(`  ${name}: ${m}`) })))
  const same = outs.every((o) => o === outs[0])
  let stored = ''
  try {
    stored = readFileSync(join(dir, `${name}.kernel.json`), 'utf8')
  } catch {
    /* none yet */
  }
  const differs = stored !== outs[0]
  if (!same) unstable++
  if (differs) changed++
  console.log(`${same ? 'stable  ' : 'UNSTABLE'} ${differs ? (stored ? 'CHANGED' : 'new    ') : 'same   '} ${name} (${Date.now() - t0} ms)`)
  if (!same)
    for (let i = 1; i < runs; i++) {
      const a = outs[0]!.split('\n')
      const b = outs[i]!.split('\n')
      const at = a.findIndex((l, k) => l !== b[k])
      if (at >= 0) console.log(`   run ${i + 1} first differs at output line ${at + 1}:\n     ${a[at]}\n     ${b[at]}`)
    }
  if (write && same) writeFileSync(join(dir, `${name}.kernel.json`), outs[0]!)
}
console.log(`${files.length} scenarios, ${unstable} unstable, ${changed} differ from the stored observation`)
