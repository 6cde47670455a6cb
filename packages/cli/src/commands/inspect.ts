import type { Command } from 'commander'
import { formatInspection, formatPatches, inspectTrace, inspectTraceWithPatches } from '@mmsim/analysis'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { jsonDocument } from '@mmsim/report'
import { analysisInput } from '../analysisInput.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface InspectFlags {
  at: string
  folio?: string
  all?: boolean
  strategy?: string
  json?: boolean
  patches?: boolean
}

function count(v: string, opt: string): number {
  const n = Number(v)
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(v) || !Number.isSafeInteger(n)) throw new UserError(`${opt} takes a number, got '${v}'`)
  return n
}

/**
 * register - `mmsim inspect TRACE --at N [--folio F | --all] [--strategy IDS]`: the state after event N
 * (0-based): the folios event N touched (or one folio, or every live folio), their pages with their entries
 * per process, the ground truth and each scheme's answers.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('show the state after event N: the folios it touched (or --folio F, or --all), their pages with their PTE/PMD mappings per process, ground truth and every scheme side by side')
    .argument('<input>', 'trace (.mmtrace, .jsonl) or scenario (.scenario)')
    .requiredOption('--at <n>', 'event index (0-based; the state after that event)')
    .option('--folio <pfn>', 'only the folio containing this PFN (decimal or 0x…), with every page')
    .option('--all', 'every live folio (default: the folios event N touched)')
    .option('--strategy <schemes>', "schemes to show: 'all' (default), ids (comma-separated) and/or ./plugin.js")
    .option('--patches', 'also what event N changed, as immer patches from the state before it (touched folios, the VMAs of its process, violations)')
    .option('--json', 'print the result as JSON (docs/schemas/inspect.schema.json)')
    .action(async (input: string, o: InspectFlags) => {
      const at = count(o.at, '--at')
      const folio = o.folio === undefined ? undefined : count(o.folio, '--folio')
      let strategies: AnyStrategy[]
      try {
        strategies = await loadStrategies(o.strategy ?? 'all', io.cwd)
      } catch (e) {
        if (e instanceof StrategyLoadError) throw new UserError(e.message)
        throw e
      }
      const t = await analysisInput(input, io)
      try {
        if (o.all && folio !== undefined) throw new UserError('inspect takes --folio F or --all, not both')
        const opts = { strategies, folio, all: o.all ?? false }
        if (o.patches) {
          const r = await inspectTraceWithPatches(t.path, at, opts)
          if (o.json) io.stdout.write(jsonDocument('inspect', r))
          else io.stdout.write([...formatInspection(r), '', `changes of event ${at}:`, ...formatPatches(r.patches).map((l) => `  ${l}`)].join('\n') + '\n')
          return
        }
        const r = await inspectTrace(t.path, at, opts)
        if (o.json) io.stdout.write(jsonDocument('inspect', r))
        else io.stdout.write(formatInspection(r).join('\n') + '\n')
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(e.message.replace(t.path, input))
        throw e
      } finally {
        t.cleanup()
      }
    })
}
