// `pnpm fuzz [--seed N] [--traces N] [--jsonl N] [--scenarios N] [--budget MS] [--no-replay] [--mutators a,b]
//   [--out DIR] [--progress]`: the in-process fuzzer of tools/fuzz/fuzz.ts. Prints the rate (wall and CPU, with
// the load average), whether the run met issue 15's target (1,000,000 trace inputs in under 600 s; a shorter
// run says whether its trace rate would), the outcome counts and every distinct finding (crash, hang, silent
// schema violation, contamination); with --out, each finding's input is written there for reproduction.
// Exits 1 when anything was found. Measured rates: tools/fuzz/README.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { runFuzz } from './fuzz.ts'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return dflt
  const n = Number(args[i + 1])
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} expects a non-negative integer, got '${args[i + 1] ?? ''}'\n`)
    process.exit(2)
  }
  return n
}
const str = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i < 0 ? undefined : args[i + 1]
}
const seed = opt('seed', 1)
const traces = opt('traces', 1_000_000)
const cpu0 = process.cpuUsage()
const report = await runFuzz({
  seed,
  traces,
  jsonl: opt('jsonl', 2000),
  scenarios: opt('scenarios', 2000),
  budgetMs: opt('budget', 2000),
  replay: !args.includes('--no-replay'),
  mutators: str('mutators')?.split(','),
  onProgress: (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\rfuzz: ${done} / ${total}`)
    else if (args.includes("--progress")) process.stderr.write(`fuzz: ${done} / ${total}\n`)
  },
})
if (process.stderr.isTTY) process.stderr.write('\n')
const cpu = process.cpuUsage(cpu0)
const s = report.ms / 1000
const inputs = report.inputs.traces + report.inputs.jsonl + report.inputs.scenarios
const TARGET_INPUTS = 1_000_000
const TARGET_S = 600
const traceRate = report.inputs.traces / (report.traceMs / 1000)
const target =
  report.inputs.traces === 0
    ? 'not measured (no trace inputs)'
    : report.inputs.traces >= TARGET_INPUTS
    ? `${s < TARGET_S ? 'met' : 'NOT met'} (${report.inputs.traces} trace inputs and the rest in ${s.toFixed(1)} s)`
    : `${TARGET_INPUTS / traceRate < TARGET_S ? 'would be met' : 'would NOT be met'} at this trace rate (${Math.round(traceRate)}/s: 1 M in ${(TARGET_INPUTS / traceRate).toFixed(0)} s)`
process.stdout.write(
  `fuzz: seed ${seed}: ${report.inputs.traces} trace inputs, ${report.inputs.jsonl} JSONL, ${report.inputs.scenarios} scenarios in ${s.toFixed(1)} s ` +
    `(${Math.round(inputs / s)} inputs/s; trace inputs ${Math.round(traceRate)}/s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; ` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})\n` +
    `target (issue 15: ${TARGET_INPUTS} trace inputs in < ${TARGET_S} s): ${target}\n` +
    `outcomes: ${Object.entries(report.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
    `findings: ${Object.entries(report.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
)
const out = str('out')
if (out !== undefined) mkdirSync(out, { recursive: true })
report.findings.forEach((f, n) => {
  process.stdout.write(`\n[${n}] ${f.kind} (${f.target}, mutator ${f.mutator}${f.salvage ? ', salvage' : ''}, input ${f.input}):\n${f.message.split('\n').slice(0, 6).join('\n')}\n`)
  if (out !== undefined && f.sample !== undefined) writeFileSync(join(out, `finding-${n}.${f.target === 'trace' ? 'mmtrace' : f.target}`), f.sample)
})
process.exit(report.findings.length > 0 ? 1 : 0)
