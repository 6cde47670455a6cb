import type { Command } from 'commander'
import { replayTraceWithStrategies } from '@mmsim/analysis'
import { formatRmapCostReport, jsonDocument, rmapCostReport } from '@mmsim/report'
import { describeDamage } from '@mmsim/trace'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { analysisInput } from '../analysisInput.ts'
import { progressReporter } from '../progress.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface CostFlags {
  strategy: string
  json?: boolean
}

async function schemesOf(spec: string, cwd: string): Promise<AnyStrategy[]> {
  try {
    return await loadStrategies(spec, cwd)
  } catch (e) {
    if (e instanceof StrategyLoadError) throw new UserError(`--strategy: ${e.message}`)
    throw e
  }
}

/**
 * register - `mmsim cost TRACE|SCENARIO --strategy IDS [--json]`: the rmap work of every scheme over the
 * trace (a scenario is recorded on the simulated kernel first): kernel rmap calls of the scheme's era, folio
 * lookups, atomics, cache lines and the modelled time, in total and per event type. Exit 0, or 1 when the
 * trace broke a precondition (the costs of the events before it are still printed), 2 usage errors.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('cost')
    .description("the rmap work per scheme: kernel rmap calls of the scheme's era (a batched _ptes call counts once), folio lookups, atomics, cache lines and a modelled time, per event type")
    .argument('<input>', 'trace (.mmtrace, .jsonl, - for stdin) or scenario (.scenario, recorded on the simulated kernel)')
    .requiredOption('--strategy <schemes>', "schemes to compare, comma-separated ids (see 'mmsim strategies'), 'all' or ./plugin.js; the first is the baseline")
    .option('--json', 'print as JSON (docs/schemas/cost.schema.json)')
    .addHelpText('after', '\nExit status: 0 ok, 1 the trace broke a precondition or is damaged, 2 usage or input errors.')
    .action(async (input: string, o: CostFlags) => {
      const strategies = await schemesOf(o.strategy, io.cwd)
      if (strategies.length === 0) throw new UserError(`--strategy: '${o.strategy}' names no scheme`)
      const t = await analysisInput(input, io)
      const progress = progressReporter('cost', io.stderr)
      try {
        const r = await replayTraceWithStrategies(t.path, { strategies, salvage: false, stopOnViolation: false, onProgress: progress.update })
        progress.done()
        const rep = rmapCostReport(r.strategies)
        if (o.json) io.stdout.write(jsonDocument('cost', rep))
        else io.stdout.write(formatRmapCostReport(rep) + '\n')
        // a damaged trace is costed as far as it reads, and says so (the figures cover the readable part)
        for (const d of r.damage) io.stderr.write(`mmsim: ${describeDamage(input, d)}; the costs cover the events before it\n`)
        if ((r.state?.violationCount ?? 0) > 0 || r.damage.length > 0 || !r.complete) io.exitCode = 1
      } finally {
        t.cleanup()
      }
    })
}
