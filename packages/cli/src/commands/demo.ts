import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { replayTrace } from '@mmsim/analysis'
import {
  compareObservations, liveKernelProblem, observeLive, printScenario, scenarioHash, type ObservationDocument, type ParsedScenario,
} from '@mmsim/kernel'
import { formatReplay, replayReport } from '@mmsim/report'
import { TraceWriter } from '@mmsim/trace'
import { bundledPath } from '../repoPaths.ts'
import { readParsedScenario, simulate } from './scenarioInput.ts'
import { storedPath, verdictLines } from './verify.ts'
import type { CliIo } from '../cliIo.ts'

const SCENARIO = bundledPath('traces/scenarios/fork-cow-pmd-thp.scenario')
/** LIVE_BUDGET_MS - how long the demo waits for the live kernel before using the stored observation. */
const LIVE_BUDGET_MS = 5000

async function kernelObservation(s: ParsedScenario, live: boolean): Promise<{ doc: ObservationDocument; against: string }> {
  const stored = (why: string): { doc: ObservationDocument; against: string } => ({
    doc: JSON.parse(readFileSync(storedPath(SCENARIO), 'utf8')) as ObservationDocument,
    against: `stored observation (${why})`,
  })
  if (!live) return stored('recorded on a Linux 6.18 machine; demo --kernel observes this one')
  const problem = liveKernelProblem()
  if (problem) return stored(problem)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), LIVE_BUDGET_MS)))
  try {
    const doc = await Promise.race([observeLive(s), timeout])
    return doc === null ? stored(`the live kernel did not answer within ${LIVE_BUDGET_MS / 1000} s`) : { doc, against: `live kernel ${doc.detail}` }
  } catch (e) {
    return stored(`live kernel: ${(e as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * register - `mmsim demo [--kernel]`: record the bundled scenario traces/scenarios/fork-cow-pmd-thp.scenario
 * on the simulated Linux 6.18 kernel, replay the recorded trace and print its report, then verify the
 * model's observation against the stored observation — or, with --kernel, against the live kernel when
 * this machine can run it (that sets and restores THP knobs) — and print the verdict.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('record a bundled scenario on the simulated kernel, replay it, and verify it against its stored kernel observation (--kernel: against the live kernel)')
    .option('--kernel', 'verify against the live kernel of this machine (needs root; sets THP knobs for the run and restores them)')
    .action(async (o: { kernel?: boolean }) => {
      const s = await readParsedScenario(SCENARIO, io)
      const r = simulate(s)
      const dir = mkdtempSync(join(tmpdir(), 'mmsim-demo-'))
      const trace = join(dir, `${s.name}.mmtrace`)
      try {
        const w = new TraceWriter(trace, { kind: 'scenario', name: s.name, text: printScenario(s.statements), detail: r.observation.detail })
        for (const e of r.events) w.write(e)
        w.close()
        const rep = await replayTrace(trace)
        io.stdout.write(`recorded ${s.name}: ${r.events.length} events from traces/scenarios/${s.name}.scenario\n\n`)
        io.stdout.write(formatReplay(replayReport({ ...rep, file: `${s.name}.mmtrace` })) + '\n\n')
        const k = await kernelObservation(s, o.kernel === true)
        const c = compareObservations(r.observation, k.doc)
        io.stdout.write(verdictLines(s.name, scenarioHash(s.statements), c, k.against).join('\n') + '\n')
        io.exitCode = c.agree && (rep.state?.violationCount ?? 0) === 0 && rep.damage.length === 0 ? 0 : 1
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
}
