import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { describeDamage } from '@mmsim/trace'
import { DEFAULT_REPORT_FOLIOS, htmlReport, reportData } from '@mmsim/report'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { analysisInput } from '../analysisInput.ts'
import { UserError } from '../userError.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

interface ReportFlags {
  output: string
  strategy: string
  folios: string
}

async function schemes(spec: string, cwd: string): Promise<AnyStrategy[]> {
  try {
    return await loadStrategies(spec, cwd)
  } catch (e) {
    if (e instanceof StrategyLoadError) throw new UserError(e.message)
    throw e
  }
}

/**
 * register - `mmsim report TRACE|SCENARIO [--strategy IDS] [--folios N] -o OUT.html`: one self-contained HTML
 * file (see htmlReport()). Exit 0 written, 1 the trace was damaged (the readable part is reported), 2 usage
 * or input errors.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('write one self-contained HTML report: summary, per folio of interest a timeline of every scheme\'s folio_mapcount() vs the ground truth with divergence markers, cost bars per scheme and event type')
    .argument('<input>', 'trace (.mmtrace, .jsonl) or scenario (.scenario)')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .option('--strategy <schemes>', "schemes: 'all', ids (see mmsim strategies, comma-separated) and/or ./plugin.js", 'all')
    .option('--folios <n>', 'folios of interest shown (divergent first, then the busiest)', String(DEFAULT_REPORT_FOLIOS))
    .addHelpText('after', '\nExit status: 0 written, 1 the trace is damaged (the readable part is reported), 2 usage or input errors.')
    .action(async (input: string, o: ReportFlags) => {
      const strategies = await schemes(o.strategy, io.cwd)
      const n = Number(o.folios)
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new UserError(`--folios: '${o.folios}' is not a number of folios from 1 to 100`)
      const t = await analysisInput(input, io)
      try {
        const d = reportData(t.path, strategies, input, n)
        const html = await htmlReport(d)
        try {
          writeFileSync(inCwd(io, o.output), html)
        } catch (e) {
          throw new UserError(`cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
        }
        const div = d.schemes.filter((s) => s.divergences > 0).map((s) => s.id)
        io.stdout.write(`${o.output}: ${d.events} events, ${d.folios.length} folios, ${d.divergentFolios} divergent folios${div.length ? ` (${div.join(', ')})` : ''}, ${d.violations} violations\n`)
        for (const dm of d.damage) io.stderr.write(`mmsim: ${describeDamage(input, dm)}\n`)
        if (d.damage.length > 0) io.exitCode = 1
      } finally {
        t.cleanup()
      }
    })
}
