// Bisect / shrink benchmark (issue 6): `pnpm exec tsx tools/bench/bisect.ts`, or call bisectBench().
// Every figure is a ratio to a baseline measured in the same run: bisect time / one replay time, and
// shrink of a 200-statement scenario in wall time.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bisectRun, bisectTrace, divergenceInteresting, replayTrace, replayTraceWithStrategies, shrinkScenario } from '@mmsim/analysis'
import { parseScenario } from '@mmsim/kernel'
import { loadPlugin, strategyById } from '@mmsim/strategies'
import { benchTraces } from './benchTrace.ts'

/** BisectBenchSummary - the figures of {@link bisectBench}. */
export interface BisectBenchSummary {
  events: number
  replaySeconds: number
  replayWithSchemeSeconds: number
  bisectTruthSeconds: number
  bisectTruthOverReplay: number
  bisectTwoSchemesSeconds: number
  bisectTwoSchemesOverReplay: number
  bisectRun: { events: number; steps: number; seconds: number; replaySeconds: number; perStepOverReplay: number; overReplay: number }
  shrink: { statements: number; after: number; tests: number; seconds: number }
}

const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now()
  const r = await f()
  return [r, (performance.now() - t) / 1000]
}

/** bigScenario - a 200-statement scenario: 38 groups of small-page work, forks, and one PMD split in the middle. */
export function bigScenario(): string {
  const out = ['scenario shrink-bench']
  let procs = 1
  for (let g = 0; out.length < 199; g++) {
    if (g === 19) out.push('p0 mmap T 2M anon private', 'p0 madvise T hugepage', 'p0 write T', 'p0 mprotect T[4K+4K] ro', 'check')
    else if (g % 8 === 7) out.push(`p0 fork p${procs}`, `p${procs} write A0[0+8K]`, `p${procs} read A${g - 1}`, `p${procs++} exit`, 'check')
    else out.push(`p0 mmap A${g} 64K anon private`, `p0 write A${g}[0+16K]`, `p0 read A${g}`, `p0 madvise A${g}[0+8K] dontneed`, 'check')
  }
  return out.slice(0, 200).join('\n') + '\n'
}

/**
 * bisectBench - on the cached @events-event synthetic trace: one ground-truth replay, one replay with
 * linux-6.15 (the baseline), `bisect --a linux-6.15 --truth` and `--b linux-6.12` over the whole trace (no
 * divergence: the worst case), `bisect --run` with an in-process test on a @runEvents-event trace; then
 * shrink of a 200-statement scenario with the broken example plugin.
 */
export async function bisectBench(events = 10_000_000, runEvents = 1_000_000, log: (s: string) => void = (s) => void process.stderr.write(s + '\n')): Promise<BisectBenchSummary> {
  const { long } = benchTraces(Math.floor(events / 4), events, '.bench', log)
  const a = strategyById('linux-6.15')!
  const b = strategyById('linux-6.12')!
  await replayTrace(long, { decodeOnly: true })
  const [, replaySeconds] = await time(() => replayTrace(long))
  const [rw, replayWithSchemeSeconds] = await time(() => replayTraceWithStrategies(long, { strategies: [a] }))
  log(`  replay ${rw.events.toLocaleString('en-US')} events: ground truth ${replaySeconds.toFixed(1)} s, with linux-6.15 ${replayWithSchemeSeconds.toFixed(1)} s`)
  // the exact queries: no divergence on this trace, so bisect scans all of it (its worst case)
  const queries = ['folioMapcount', 'entireMapcount', 'nrPagesMapped', 'pageMapcount', 'kpagecount', 'anonExclusive'] as const
  const [bt, bisectTruthSeconds] = await time(() => bisectTrace(long, { a, versus: { truth: true }, queries }))
  log(`  bisect --a linux-6.15 --truth: ${bisectTruthSeconds.toFixed(1)} s (${bt.divergence === null ? 'no divergence, whole trace' : `divergence at ${bt.divergence.index}`}) = ${(bisectTruthSeconds / replayWithSchemeSeconds).toFixed(2)} x replay`)
  const [, twoBase] = await time(() => replayTraceWithStrategies(long, { strategies: [a, b] }))
  const [bb, bisectTwoSchemesSeconds] = await time(() => bisectTrace(long, { a, versus: { b }, queries }))
  log(`  bisect --a linux-6.15 --b linux-6.12 (exact queries): ${bisectTwoSchemesSeconds.toFixed(1)} s (${bb.divergence === null ? 'no divergence' : `divergence at ${bb.divergence.index} after ${bb.events} events`}) = ${(bisectTwoSchemesSeconds / twoBase).toFixed(2)} x replay with both (${twoBase.toFixed(1)} s)`)

  const { long: runTrace } = benchTraces(Math.floor(runEvents / 10), runEvents, '.bench', log)
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-bench-'))
  const [, runReplay] = await time(() => replayTrace(runTrace))
  const bad = Math.floor(runEvents * 0.7)
  const [rr, runSeconds] = await time(() => bisectRun(runTrace, { prefixFile: join(dir, 'p.mmtrace'), test: (_f, k) => (k > bad ? 1 : 0) }))
  rmSync(dir, { recursive: true, force: true })
  const perStep = runSeconds / rr.steps.length
  log(`  bisect --run on ${runEvents.toLocaleString('en-US')} events: ${rr.steps.length} steps in ${runSeconds.toFixed(1)} s (${perStep.toFixed(2)} s/step = ${(perStep / runReplay).toFixed(2)} x one replay of ${runReplay.toFixed(2)} s), first bad ${rr.firstBad}`)

  const plugin = fileURLToPath(new URL('../../packages/strategies/examples/brokenPmdSplit.js', import.meta.url))
  const [broken] = await loadPlugin(plugin)
  const s = parseScenario(bigScenario(), 'shrink-bench.scenario')
  const statements = s.statements.length
  const [sr, shrinkSeconds] = await time(() => shrinkScenario(s, divergenceInteresting(broken!, { truth: true }, 'folioMapcount')))
  log(`  shrink of a ${statements}-statement scenario: ${sr.scenario.statements.length} left after ${sr.tests} tests (${sr.cached} cached) in ${shrinkSeconds.toFixed(1)} s`)
  return {
    events: rw.events,
    replaySeconds, replayWithSchemeSeconds, bisectTruthSeconds,
    bisectTruthOverReplay: +(bisectTruthSeconds / replayWithSchemeSeconds).toFixed(3),
    bisectTwoSchemesSeconds, bisectTwoSchemesOverReplay: +(bisectTwoSchemesSeconds / twoBase).toFixed(3),
    bisectRun: { events: runEvents, steps: rr.steps.length, seconds: runSeconds, replaySeconds: runReplay, perStepOverReplay: +(perStep / runReplay).toFixed(3), overReplay: +(runSeconds / runReplay).toFixed(3) },
    shrink: { statements, after: sr.scenario.statements.length, tests: sr.tests, seconds: shrinkSeconds },
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.env.MMSIM_BENCH_EVENTS ?? 10_000_000)
  const summary = await bisectBench(n, Math.min(n, Number(process.env.MMSIM_BENCH_RUN_EVENTS ?? 1_000_000)))
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
}
