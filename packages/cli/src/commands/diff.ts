import type { Command } from 'commander'
import { diffTrace, formatDiff } from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { analysisInput, oneStrategy } from '../analysisInput.ts'
import { progressReporter } from '../progress.ts'
import { queriesOf } from './bisect.ts'
import type { CliIo } from '../cliIo.ts'

interface DiffFlags {
  a: string
  b: string
  query?: string
  json?: boolean
}

/**
 * register - `mmsim diff TRACE|SCENARIO --a ID --b ID [--json]`: every query both schemes answer, compared
 * after every event; costs side by side; words written. Exit 0 same answers, 1 any difference, 2 usage errors.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description('replay a trace (or a scenario, recorded on the fly) under two mapcount schemes and compare their answers and costs')
    .argument('<input>', 'trace (.mmtrace, .jsonl) or scenario (.scenario)')
    .requiredOption('--a <scheme>', 'scheme A: an id (see mmsim strategies) or ./plugin.js')
    .requiredOption('--b <scheme>', 'scheme B')
    .option('--query <names>', 'compare only these queries (comma-separated)')
    .option('--json', 'print the result as JSON (docs/schemas/diff.schema.json)')
    .addHelpText('after', '\nExit status: 0 same answers, 1 answers differ, 2 usage or input errors.')
    .action(async (input: string, o: DiffFlags) => {
      const a = await oneStrategy(o.a, '--a', io.cwd)
      const b = await oneStrategy(o.b, '--b', io.cwd)
      const queries = queriesOf(o.query)
      const t = await analysisInput(input, io)
      const progress = progressReporter('diff', io.stderr)
      try {
        const r = await diffTrace(t.path, { a, b, queries, onProgress: progress.update })
        progress.done()
        if (o.json) io.stdout.write(jsonDocument('diff', r))
        else io.stdout.write(formatDiff(r).join('\n') + '\n')
        io.exitCode = r.same ? 0 : 1
      } finally {
        t.cleanup()
      }
    })
}
