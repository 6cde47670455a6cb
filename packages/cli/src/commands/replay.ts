import type { Command } from 'commander'
import type { MmEvent, TruthState } from '@mmsim/core'
import { lockModelsFor, replayTrace, replayTraceWithStrategies, wrap, type StrategyOutcome, type StrategyReplayResult } from '@mmsim/analysis'
import { costReport, formatCostReport, formatLockReport, formatReplay, jsonDocument, lockReport, replayReport } from '@mmsim/report'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { progressReporter } from '../progress.ts'
import { inputTrace } from '../inputTrace.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface ReplayFlags {
  json?: boolean
  stopOnViolation?: boolean
  salvage?: boolean
  decodeOnly?: boolean
  strategy?: string
  locks?: boolean
}

/** SchemeNotices - one scheme's notices: the events it has no rule for, one line per event type (what `diff` prints). */
interface SchemeNotices {
  id: string
  notices: readonly string[]
}

/** noticesOf - the notices of every scheme of @outcomes, in their order (a plugin without notices() has none). */
function noticesOf(outcomes: readonly StrategyOutcome[]): SchemeNotices[] {
  return outcomes.map((o) => ({ id: o.id, notices: o.strategy.notices?.(o.state) ?? [] }))
}

/** formatNotices - the text block of @list under the heading `diff` uses; no lines when no scheme has a notice. */
function formatNotices(list: readonly SchemeNotices[]): string[] {
  if (list.every((n) => n.notices.length === 0)) return []
  const out = ['events a scheme has no rule for (counted by its nearest rule; answers on those folios not exact):']
  for (const n of list) for (const line of n.notices) out.push(...wrap(`  ${n.id}: ${line}`, undefined, '      '))
  return out
}

async function strategiesOf(spec: string | undefined, cwd: string): Promise<AnyStrategy[] | null> {
  if (spec === undefined) return null
  try {
    return await loadStrategies(spec, cwd)
  } catch (err) {
    if (err instanceof StrategyLoadError) throw new UserError(err.message)
    throw err
  }
}

/**
 * replay - `mmsim replay TRACE`: apply every event to the page tables; report events, violations, ground
 * truth and digest. With `--strategy`, mapcount schemes ride along and their cost tables follow the report.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('replay')
    .description('replay a trace (.mmtrace or .jsonl) through the page-table reducers and print events per type, violations, ground truth and the state digest')
    .argument('<trace>', 'trace file (.mmtrace, or .jsonl written by hand)')
    .option('--json', 'print the report as JSON (docs/schemas/replay.schema.json)')
    .option('--stop-on-violation', 'stop right after the first event that breaks its precondition')
    .option('--salvage', 'skip damaged frames and go on (they are still reported)')
    .option('--decode-only', 'read and decode every event, apply nothing (measures the trace layer alone)')
    .option('--locks', "count the locks the kernel holds for every event, per lock class and instance (the era of each --strategy scheme; without one, 6.18's)")
    .option('--strategy <schemes>', "also run mapcount schemes and print their costs per event type: 'all', ids (see 'mmsim strategies', comma-separated) and/or ./plugin.js modules")
    .addHelpText('after', '\nExit status: 0 ok, 1 violations or damage found, 2 usage or input errors.')
    .action(async (trace: string, o: ReplayFlags) => {
      const strategies = await strategiesOf(o.strategy, io.cwd)
      if (strategies !== null && o.decodeOnly) throw new UserError('--strategy needs the events applied: it cannot go with --decode-only')
      if (o.locks && o.decodeOnly) throw new UserError('--locks needs the events applied: it cannot go with --decode-only')
      const file = await inputTrace(trace, io)
      const progress = progressReporter('replay', io.stderr)
      const locks = o.locks ? lockModelsFor(file.path, (strategies ?? []).map((s) => s.id)) : null
      const onEvent = locks === null ? undefined : (e: MmEvent, t: TruthState): void => {
        for (const l of locks) l.model.apply(e, t)
      }
      const common = { salvage: o.salvage ?? false, stopOnViolation: o.stopOnViolation ?? false, onProgress: progress.update, onEvent }
      const r = strategies === null
        ? await replayTrace(file.path, { ...common, decodeOnly: o.decodeOnly ?? false })
        : await replayTraceWithStrategies(file.path, { ...common, strategies })
      progress.done()
      const rep = replayReport({ ...r, file: trace })
      const outcomes = strategies === null ? null : (r as StrategyReplayResult).strategies
      const costs = outcomes === null ? null : costReport(outcomes)
      const notices = outcomes === null ? [] : noticesOf(outcomes)
      const noticesOfId = new Map(notices.map((n) => [n.id, n.notices]))
      const held = locks === null ? null : lockReport(locks.map((l) => ({ tally: l.model.tally(), schemes: l.schemes })))
      const schemes = costs === null ? null : costs.strategies.map((c) => ({ ...c, notices: noticesOfId.get(c.id) ?? [] }))
      const noticeLines = formatNotices(notices)
      if (o.json) io.stdout.write(jsonDocument('replay', { ...rep, ...(schemes === null ? {} : { strategies: schemes }), ...(held === null ? {} : { locks: held }) }))
      else io.stdout.write(formatReplay(rep) + '\n' + (costs === null ? '' : '\n' + formatCostReport(costs) + '\n') + (noticeLines.length === 0 ? '' : '\n' + noticeLines.join('\n') + '\n') + (held === null ? '' : '\n' + formatLockReport(held) + '\n'))
      const bad = rep.violations.count > 0 || rep.damage.length > 0 || Object.keys(rep.unknownEventTypes).length > 0
      file.cleanup()
      if (bad) io.exitCode = 1
    })
}
