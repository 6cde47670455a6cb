// `pnpm exec tsx tools/bench/strategies.ts`: replay throughput with mapcount schemes riding along, against
// replay with none, on the benchmark's synthetic trace (same cache as `pnpm bench`; MMSIM_BENCH_EVENTS,
// MMSIM_BENCH_RUNS as there). Medians of several runs in this one process; prints a JSON summary.
import { replayTrace, replayTraceWithStrategies } from '@mmsim/analysis'
import { STRATEGIES, totalCost, type AnyStrategy } from '@mmsim/strategies'
import { benchTraces } from './benchTrace.ts'

const LONG = Number(process.env.MMSIM_BENCH_EVENTS ?? 10_000_000)
const SHORT = Math.floor(LONG / 4)
const RUNS = Number(process.env.MMSIM_BENCH_RUNS ?? 3)
const log = (s: string): void => void process.stderr.write(s + '\n')
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const cpuRates: Record<string, number> = {}

/** rate - median wall-clock events/s of @RUNS replays (CPU-time events/s kept in cpuRates: robust on a busy machine) */
async function rate(file: string, label: string, strategies: readonly AnyStrategy[] | null): Promise<number> {
  const rates: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage()
    const t = performance.now()
    const r = strategies === null ? await replayTrace(file) : await replayTraceWithStrategies(file, { strategies })
    const s = (performance.now() - t) / 1000
    if ((r.state?.violationCount ?? 0) > 0) throw new Error(`${label}: the benchmark trace replays with violations`)
    if ('strategies' in r) for (const o of (r as { strategies: { id: string; freeViolations: readonly string[] }[] }).strategies) if (o.freeViolations.length > 0) throw new Error(`${o.id}: ${o.freeViolations[0]}`)
    const c = process.cpuUsage(c0)
    rates.push(r.events / s)
    cpu.push(r.events / ((c.user + c.system) / 1e6))
  }
  const m = median(rates)
  cpuRates[label] = Math.round(median(cpu))
  log(`  ${label.padEnd(44)} ${(m / 1e6).toFixed(3)} M events/s  (runs: ${rates.map((x) => (x / 1e6).toFixed(3)).join(', ')}; CPU time: ${(median(cpu) / 1e6).toFixed(3)} M events/s)`)
  return m
}

const { long } = benchTraces(SHORT, LONG, '.bench', log)
log(`mmsim strategies bench: ${LONG.toLocaleString('en-US')} events (${long}), ${RUNS} runs each, medians`)
await replayTrace(long, { decodeOnly: true })
const none = await rate(long, 'replay, no scheme (replayTrace)', null)
const empty = await rate(long, 'replay, strategy driver with no scheme', [])
const per: Record<string, number> = {}
for (const s of STRATEGIES) per[s.id] = Math.round(await rate(long, `replay + ${s.id}`, [s]))
const all = await rate(long, 'replay + all seven schemes', STRATEGIES)
const r = await replayTraceWithStrategies(long, { strategies: STRATEGIES })
const summary = {
  events: LONG,
  replayEventsPerSec: Math.round(none),
  replayDriverNoSchemeEventsPerSec: Math.round(empty),
  replayOneSchemeEventsPerSec: per,
  replayAllSchemesEventsPerSec: Math.round(all),
  allOverNone: +(all / none).toFixed(3),
  cpuTimeEventsPerSec: cpuRates,
  atomicsPerEvent: Object.fromEntries(r.strategies.map((o) => [o.id, +(totalCost(o.costs).atomics / r.events).toFixed(2)])),
}
process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
