import type { Command } from 'commander'
import { replayTrace } from '@mmsim/analysis'
import { formatReplay, replayReport } from '@mmsim/report'
import { progressReporter } from '../progress.ts'
import { inputTrace } from '../inputTrace.ts'

/** replay - `mmsim replay TRACE`: apply every event to the page tables; report events, violations, ground truth, digest. */
export function register(program: Command): void {
  program
    .command('replay')
    .description('replay a trace (.mmtrace or .jsonl) through the page-table reducers and print events per type, violations, ground truth and the state digest')
    .argument('<trace>', 'trace file (.mmtrace, or .jsonl written by hand)')
    .option('--json', 'print the report as JSON')
    .option('--stop-on-violation', 'stop right after the first event that breaks its precondition')
    .option('--salvage', 'skip damaged frames and go on (they are still reported)')
    .option('--decode-only', 'read and decode every event, apply nothing (measures the trace layer alone)')
    .addHelpText('after', '\nExit status: 0 ok, 1 violations or damage found, 2 usage or input errors.')
    .action(async (trace: string, o: { json?: boolean; stopOnViolation?: boolean; salvage?: boolean; decodeOnly?: boolean }) => {
      const file = await inputTrace(trace)
      const progress = progressReporter('replay')
      const r = await replayTrace(file.path, {
        salvage: o.salvage ?? false,
        stopOnViolation: o.stopOnViolation ?? false,
        decodeOnly: o.decodeOnly ?? false,
        onProgress: progress.update,
      })
      progress.done()
      const rep = replayReport({ ...r, file: trace })
      process.stdout.write(o.json ? JSON.stringify(rep, null, 2) + '\n' : formatReplay(rep) + '\n')
      const bad = rep.violations.count > 0 || rep.damage.length > 0 || Object.keys(rep.unknownEventTypes).length > 0
      file.cleanup()
      if (bad) process.exitCode = 1
    })
}
