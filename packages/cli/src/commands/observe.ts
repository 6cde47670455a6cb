import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { canonicalJson, observeLive, parseScenario, type ObservationDocument } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { observeModel } from './observeModel.ts'
import type { CliIo } from '../cliIo.ts'

/** ObserveOptions - options of `mmsim observe`. */
export interface ObserveOptions {
  kernel?: boolean
  strategy?: string
}

/** readScenario - the text of scenario @file (`-`: stdin). */
function readScenario(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (e) {
    throw new UserError(`cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/**
 * observeHandler - `mmsim observe [--kernel] FILE.scenario`: print the observation JSON document of
 * the live kernel (--kernel) or of the simulated kernel. Parse errors print `file:line: message`.
 */
export async function observeHandler(arg: string, opts: ObserveOptions, io: CliIo): Promise<void> {
  const text = readScenario(arg)
  const file = arg === '-' ? 'stdin' : arg
  let doc: ObservationDocument
  if (opts.kernel && opts.strategy !== undefined) throw new UserError('--strategy applies to the simulated kernel; it cannot be combined with --kernel')
  if (opts.kernel) {
    const parsed = parseScenario(text, file)
    doc = await observeLive(parsed, { note: (m) => io.stderr.write(`mmsim: ${file}: ${m}\n`) })
  } else {
    doc = await observeModel(text, file, opts.strategy)
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
    .option('--strategy <id>', 'report kpagecount and pagemap bit 56 as this mapcount scheme would (an id of `mmsim strategies` or ./plugin.js)')
    .action((arg: string, opts: ObserveOptions) => observeHandler(arg, opts, io))
}
