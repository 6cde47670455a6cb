import type { Command } from 'commander'
import { canonicalJson, observeLive, parseScenario, type ObservationDocument } from '@mmsim/kernel'
import { stepReporter } from '../progress.ts'
import { UserError } from '../userError.ts'
import { observeModel } from './observeModel.ts'
import { readScenarioText } from './scenarioInput.ts'
import type { CliIo } from '../cliIo.ts'

/** ObserveOptions - options of `mmsim observe`. */
export interface ObserveOptions {
  kernel?: boolean
  strategy?: string
  progress?: boolean
}

/**
 * observeHandler - `mmsim observe [--kernel] FILE.scenario`: print the observation JSON document of
 * the live kernel (--kernel) or of the simulated kernel. Parse errors print `file:line: message`.
 */
export async function observeHandler(arg: string, opts: ObserveOptions, io: CliIo): Promise<void> {
  const text = await readScenarioText(arg, io)
  const file = arg === '-' ? 'stdin' : arg
  let doc: ObservationDocument
  if (opts.kernel && opts.strategy !== undefined) throw new UserError('--strategy applies to the simulated kernel; it cannot be combined with --kernel')
  if (opts.kernel) {
    const parsed = parseScenario(text, file)
    // the statement running (an 8G write takes a while), redrawn with its elapsed time; notes end the line first
    const progress = stepReporter('observe --kernel', io.stderr, opts.progress === true, true)
    try {
      doc = await observeLive(parsed, {
        note: (m) => {
          progress.clear()
          io.stderr.write(`mmsim: ${file}: ${m}\n`)
        },
        onStatement: (done, total, line, op) => progress.step(done, total, `statement (line ${line}: ${op})`),
      })
    } finally {
      progress.done()
    }
  } else {
    doc = await observeModel(text, file, opts.strategy, io.cwd)
  }
  io.stdout.write(canonicalJson(doc))
}

/** register - `mmsim observe`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('observe')
    .description('run a scenario and print its observation JSON (mapcounts, folios) — on the live kernel with --kernel')
    .argument('<file>', 'scenario file (.scenario, or - for stdin)')
    .option('--kernel', 'run on the live kernel of this machine (root, /proc/kpagecount)')
    .option('--progress', 'with --kernel: show the statement running on stderr even when it is not a terminal (on a terminal it always shows)')
    .option('--strategy <id>', 'report kpagecount and pagemap bit 56 as this mapcount scheme would (an id of `mmsim strategies` or ./plugin.js)')
    .action((arg: string, opts: ObserveOptions) => observeHandler(arg, opts, io))
}
