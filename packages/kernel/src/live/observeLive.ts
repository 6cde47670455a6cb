import { mkdtempSync, rmSync } from 'node:fs'
import { release, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import { scenarioHash } from '../sim/scenarioHash.ts'
import { acquireKnobLock, recordJournal, releaseKnobLock } from './knobJournal.ts'
import { HGM_MODEL_ONLY, hgmModelOnlyLine, KHUGEPAGED_ASLEEP_MS, knobPlan, knobSetting, MissingKnob, readKnob, writeKnob } from './knobs.ts'
import { hugetlbPoolProblem } from './hugetlbPoolCheck.ts'
import { liveKernelProblem } from './liveEnvironment.ts'
import { HugetlbPoolUnusable, LiveKernelError, NoValidObservation } from './liveKernelError.ts'
import type { ObservationDocument } from './observation.ts'
import { InvalidObservation, readVmemmapPages } from './observeCheck.ts'
import { runAttempt } from './runAttempt.ts'
import { boostKhugepaged, khugepagedActivity, settleKhugepaged } from './khugepagedQuiet.ts'

class KhugepagedInterfered extends Error {}
import { RunnerClient } from './runnerClient.ts'

/** LiveOptions - @attempts: runs allowed when observations are invalid (blank struct pages); @note: diagnostics sink. */
export interface LiveOptions {
  attempts?: number
  note?: (msg: string) => void
  /** onStatement - statement @done of @total (1-based, per attempt) at scenario @line starts (a progress display) */
  onStatement?: (done: number, total: number, line: number, op: string) => void
}

/**
 * observeLive - run scenario @s on this machine's live kernel and return its observation document.
 *
 * Takes the live-kernel lock (the knob journal), records every knob's old value in the journal,
 * applies the scenario's knobs (khugepaged asleep), runs the statements in a fresh kernel-runner, and
 * restores every knob on success, error, SIGINT and SIGTERM (after SIGKILL: `mmsim kernel restore`).
 * An attempt whose observation shows blank struct pages is retried while the previous attempt's
 * processes keep holding their memory (steering the allocator elsewhere; not for HugeTLB scenarios);
 * an attempt during which khugepaged scanned is retried afresh.
 * Throws LiveKernelError for environment problems, missing knobs and refused forks.
 */
export async function observeLive(s: ParsedScenario, opts: LiveOptions = {}): Promise<ObservationDocument> {
  // set hgm=on is model-only: the same one line on every machine, before the environment is looked at
  const hgmLine = hgmModelOnlyLine(s.knobs.hgm, s.statements)
  if (hgmLine >= 0) throw new LiveKernelError(`${s.file}:${hgmLine}: ${HGM_MODEL_ONLY}`)
  const problem = liveKernelProblem()
  if (problem) throw new LiveKernelError(problem)
  let plan
  try {
    plan = knobPlan(s.knobs, s.statements)
  } catch (e) {
    if (e instanceof MissingKnob) throw new LiveKernelError(`${s.file}:${e.line}: ${e.message}`)
    throw e
  }
  await acquireKnobLock()
  const runners: RunnerClient[] = []
  const tmp = mkdtempSync(join(tmpdir(), 'mmsim-kernel-'))
  const cleanup = (): string[] => {
    boostKhugepaged(false)
    for (const r of runners) r.killWorkersSync()
    runners.length = 0
    rmSync(tmp, { recursive: true, force: true })
    return releaseKnobLock()
  }
  const onSignal = (sig: NodeJS.Signals): void => {
    const failed = cleanup()
    if (failed.length) process.stderr.write(`mmsim: could not restore ${failed.join('; ')}\n`)
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  const onExit = (): void => void cleanup()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', onExit)
  try {
    const vmemmapBase = readVmemmapPages()
    const usesHugetlb = s.statements.some((st) => st.op === 'mmap' && st.kind.startsWith('hugetlb'))
    recordJournal(plan.map((w) => ({ path: w.path, value: knobSetting(w.path) })), tmp)
    for (const w of plan) {
      if (knobSetting(w.path) === w.value) continue
      try {
        writeKnob(w.path, w.value)
      } catch (e) {
        throw new LiveKernelError(`${s.file}: cannot set ${w.path} to ${w.value}: ${(e as Error).message}`)
      }
      if (w.path.endsWith('nr_hugepages') && readKnob(w.path) !== w.value) {
        const kept = Number(readKnob(w.path)) > Number(w.value)
        const pool = kept ? hugetlbPoolProblem() : null
        // pages nothing can free (reserved: a leak, or another user) stay in the pool: harmless to a scenario
        // that maps no HugeTLB, which only needed the pool at its default
        if (pool !== null && !usesHugetlb) opts.note?.(`${w.path} stays at ${readKnob(w.path)}, not ${w.value}: ${pool}`)
        else if (pool !== null) throw new HugetlbPoolUnusable(`${s.file}: ${pool}`)
        else throw new LiveKernelError(`${s.file}: the kernel allocated only ${readKnob(w.path)} of ${w.value} huge pages for ${w.path}`)
      }
    }
    const attempts = opts.attempts ?? 6
    if (usesHugetlb) {
      const pool = hugetlbPoolProblem()
      if (pool !== null) throw new HugetlbPoolUnusable(`${s.file}: ${pool}`)
    }
    for (let a = 1; ; a++) {
      let runner: RunnerClient
      try {
        runner = await RunnerClient.start(mkdtempSync(join(tmp, `attempt${a}-`)))
      } catch (e) {
        // killed or failing before it said "ready" (it soaks up blank pages first: runner.c sink_blank_pages())
        throw new LiveKernelError(`${s.file}: ${(e as Error).message}`)
      }
      runners.push(runner)
      if (!(await settleKhugepaged(KHUGEPAGED_ASLEEP_MS))) opts.note?.('khugepaged was not seen settling; a run it disturbs is retried')
      try {
        const before = khugepagedActivity()
        const r = await runAttempt(runner, s, vmemmapBase, opts.onStatement)
        if (khugepagedActivity() !== before) throw new KhugepagedInterfered(`khugepaged scanned during the run (pages_collapsed/full_scans ${before} -> ${khugepagedActivity()})`)
        return { format: 'mmsim-observations/1', scenario: s.name, scenarioHash: scenarioHash(s.statements), source: 'kernel', detail: `${release()} CONFIG_PAGE_MAPCOUNT`, refused: r.refused, checks: r.checks }
      } catch (e) {
        if (e instanceof LiveKernelError) throw e
        if (!(e instanceof InvalidObservation || e instanceof KhugepagedInterfered)) throw new LiveKernelError(`${s.file}: ${(e as Error).message}`)
        if (a >= attempts) throw new NoValidObservation(`${s.file}: no valid observation in ${attempts} attempts (last: ${e.message})`)
        // Holding the failed attempt's memory steers the allocator away from blank struct pages,
        // but held HugeTLB pages would starve the next attempt's pool: those runs start afresh.
        if (e instanceof KhugepagedInterfered || usesHugetlb) {
          runner.killWorkersSync()
          runners.pop()
          opts.note?.(`attempt ${a}: ${e.message}; rerunning`)
        } else opts.note?.(`attempt ${a}: ${e.message}; rerunning while holding that memory`)
      }
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', onExit)
    const failed = cleanup()
    if (failed.length) throw new LiveKernelError(`could not restore knobs: ${failed.join('; ')} (run mmsim kernel restore)`)
  }
}
