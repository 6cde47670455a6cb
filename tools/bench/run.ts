// `pnpm bench`: the replay benchmark. Every figure is a median of several runs in this one process, and
// reported next to a baseline measured in the same run (decode-only), never against a fixed number.
import { execFileSync } from 'node:child_process'
import { replayTrace, type ReplayOptions } from '@mmsim/analysis'
import { benchLightTrace, benchTraces } from './benchTrace.ts'

const LONG = Number(process.env.MMSIM_BENCH_EVENTS ?? 10_000_000)
const SHORT = Math.floor(LONG / 4)
const RUNS = Number(process.env.MMSIM_BENCH_RUNS ?? 3)
const log = (s: string): void => void process.stderr.write(s + '\n')

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mps = (n: number): string => (n / 1e6).toFixed(2) + ' M events/s'

const cpuRates: Record<string, number> = {}

/** rate - median wall-clock events/s of RUNS replays; the CPU-time rate (robust on a busy machine) goes to cpuRates. */
async function rate(file: string, opts: ReplayOptions, label: string): Promise<number> {
  const rates: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage()
    const t = performance.now()
    const r = await replayTrace(file, opts)
    const s = (performance.now() - t) / 1000
    if ((r.state?.violationCount ?? 0) > 0 || r.damage.length > 0) throw new Error(`${label}: the benchmark trace replays with violations or damage`)
    rates.push(r.events / s)
    const c = process.cpuUsage(c0)
    cpu.push(r.events / ((c.user + c.system) / 1e6))
  }
  const m = median(rates)
  cpuRates[label] = Math.round(median(cpu))
  log(`  ${label.padEnd(42)} ${mps(m)}  (runs: ${rates.map((x) => (x / 1e6).toFixed(2)).join(', ')}; per CPU-second: ${(median(cpu) / 1e6).toFixed(2)} M)`)
  return m
}

function rss(file: string): { maxRssMiB: number; events: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'tools/bench/replayOnce.ts', file], { encoding: 'utf8' })
  return JSON.parse(out) as { maxRssMiB: number; events: number }
}

const { short, long } = benchTraces(SHORT, LONG, '.bench', log)
const light = benchLightTrace(LONG, '.bench', log)
log(`mmsim bench: ${LONG.toLocaleString('en-US')} events (${long}), ${RUNS} runs each, medians`)
await replayTrace(long, { decodeOnly: true }) // warm up the file cache and the JIT
const decode = await rate(long, { decodeOnly: true }, 'decode only (read, CRC, columns)')
const materialize = await rate(long, { decodeOnly: true, materialize: true }, 'decode + build every event object')
const replay = await rate(long, {}, 'replay with ground truth')
const withCheckpoints = await rate(short, { checkpointEvery: 1 }, 'replay, immutable checkpoint every frame*')
log(`light workload (design.md's shape: order-0 folios, one counter per event): ${light}`)
const lightDecode = await rate(light, { decodeOnly: true }, 'light: decode only')
const lightReplay = await rate(light, {}, 'light: replay with ground truth')
const rShort = rss(short)
const rLong = rss(long)
const summary = {
  events: LONG,
  decodeOnlyEventsPerSec: Math.round(decode),
  decodeMaterializeEventsPerSec: Math.round(materialize),
  replayEventsPerSec: Math.round(replay),
  replayCheckpointEveryFrameEventsPerSec: Math.round(withCheckpoints),
  replayOverDecode: +(replay / decode).toFixed(4),
  replayOverMaterialize: +(replay / materialize).toFixed(4),
  peakRssMiB: { [rShort.events]: Math.round(rShort.maxRssMiB), [rLong.events]: Math.round(rLong.maxRssMiB) },
  rssLongOverShort: +(rLong.maxRssMiB / rShort.maxRssMiB).toFixed(3),
  cpuTimeEventsPerSec: cpuRates,
  loadAverage: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  light: { decodeOnlyEventsPerSec: Math.round(lightDecode), replayEventsPerSec: Math.round(lightReplay), replayOverDecode: +(lightReplay / lightDecode).toFixed(4) },
}
log(`  * on the ${SHORT.toLocaleString('en-US')}-event prefix`)
log(`  replay / decode-only = ${summary.replayOverDecode}; replay / (decode + objects) = ${summary.replayOverMaterialize}`)
log(`  peak RSS of one replay in a fresh process: ${Math.round(rShort.maxRssMiB)} MiB for ${rShort.events.toLocaleString('en-US')} events, ${Math.round(rLong.maxRssMiB)} MiB for ${rLong.events.toLocaleString('en-US')} (x${summary.rssLongOverShort})`)
process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
