import type { Command } from 'commander'
import { replayTrace, replayTraceWithStrategies, type StrategyReplayResult } from '@mmsim/analysis'
import { costReport, formatCostReport, formatReplay, jsonDocument, replayReport } from '@mmsim/report'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { progressReporter } from '../progress.ts'
import { inputTrace } from '../inputTrace.ts'
import { UserError } from '../userError.ts'

interface ReplayFlags {
  json?: boolean
  stopOnViolation?: boolean
  salvage?: boolean
  decodeOnly?: boolean
  strategy?: string
}

async function strategiesOf(spec: string | undefined): Promise<AnyStrategy[] | null> {
  if (spec === undefined) return null
  try {
    return await loadStrategies(spec)
  } catch (err) {
    if (err instanceof StrategyLoadError) throw new UserError(err.message)
    throw err
  }
}

/**
 * replay - `mmsim replay TRACE`: apply every event to the page tables; report events, violations, ground
 * truth and digest. With `--strategy`, mapcount schemes ride along and their cost tables follow the report.
 */
export function register(program: Command): void {
  program
    .command('replay')
    .description('replay a trace (.mmtrace or .jsonl) through the page-table reducers and print events per type, violations, ground truth and the state digest')
    .argument('<trace>', 'trace file (.mmtrace, or .jsonl written by hand)')
    .option('--json', 'print the report as JSON (docs/schemas/replay.schema.json)')
    .option('--stop-on-violation', 'stop right after the first event that breaks its precondition')
    .option('--salvage', 'skip damaged frames and go on (they are still reported)')
    .option('--decode-only', 'read and decode every event, apply nothing (measures the trace layer alone)')
    .option('--strategy <schemes>', "also run mapcount schemes and print their costs per event type: 'all', ids (see 'mmsim strategies', comma-separated) and/or ./plugin.js modules")
    .addHelpText('after', '\nExit status: 0 ok, 1 violations or damage found, 2 usage or input errors.')
    .action(async (trace: string, o: ReplayFlags) => {
      const strategies = await strategiesOf(o.strategy)
      if (strategies !== null && o.decodeOnly) throw new UserError('--strategy needs the events applied: it cannot go with --decode-only')
      const file = await inputTrace(trace)
      const progress = progressReporter('replay')
      const common = { salvage: o.salvage ?? false, stopOnViolation: o.stopOnViolation ?? false, onProgress: progress.update }
      const r = strategies === null
        ? await replayTrace(file.path, { ...common, decodeOnly: o.decodeOnly ?? false })
        : await replayTraceWithStrategies(file.path, { ...common, strategies })
      progress.done()
      const rep = replayReport({ ...r, file: trace })
      const costs = strategies === null ? null : costReport((r as StrategyReplayResult).strategies)
      if (o.json) process.stdout.write(jsonDocument('replay', costs === null ? rep : { ...rep, strategies: costs.strategies }))
      else process.stdout.write(formatReplay(rep) + '\n' + (costs === null ? '' : '\n' + formatCostReport(costs) + '\n'))
      const bad = rep.violations.count > 0 || rep.damage.length > 0 || Object.keys(rep.unknownEventTypes).length > 0
      file.cleanup()
      if (bad) process.exitCode = 1
    })
}
