import type { Command } from 'commander'
import { describeDamage } from '@mmsim/trace'
import { DEFAULT_PERFETTO_FOLIOS, exportPerfetto, TIME_AXIS } from '@mmsim/report'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { analysisInput } from '../analysisInput.ts'
import { UserError } from '../userError.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

interface PerfettoFlags {
  output: string
  strategy: string
  folio?: string[]
  top?: string
}

/** parsePfn - a `--folio` value: decimal or 0x-hex head PFN. */
export function parsePfn(s: string): number {
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : NaN
  if (!Number.isSafeInteger(n)) throw new UserError(`--folio: '${s}' is not a PFN (decimal or 0x-hex)`)
  return n
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
 * register - `mmsim export perfetto TRACE|SCENARIO [--strategy IDS] [--folio PFN...] [--top N] -o OUT.json`:
 * a Chrome trace-event JSON file for the Perfetto UI / chrome://tracing (see exportPerfetto()).
 * Exit 0 written, 1 the trace was damaged (what could be read is written), 2 usage or input errors.
 */
export function register(program: Command, io: CliIo): void {
  const exp = program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export a trace to another tool\'s format')
  exp
    .command('perfetto')
    .description('write a Chrome trace-event JSON file (Perfetto UI, chrome://tracing): per folio a folio_mapcount counter track per scheme and for the ground truth, instants at divergences, violations and checks')
    .argument('<input>', 'trace (.mmtrace, .jsonl) or scenario (.scenario)')
    .requiredOption('-o, --output <file>', 'the JSON file to write')
    .option('--strategy <schemes>', "schemes given tracks: 'all', ids (see mmsim strategies, comma-separated) and/or ./plugin.js", 'all')
    .option('--folio <pfn...>', 'head PFNs (decimal or 0x-hex) to give tracks (default: the busiest folios)')
    .option('--top <n>', `without --folio: how many of the folios named by the most events get tracks (a first, decode-only pass finds them)`, String(DEFAULT_PERFETTO_FOLIOS))
    .addHelpText('after', `\nTime axis: ${TIME_AXIS}.\nExit status: 0 written, 1 the trace is damaged (the readable part is written), 2 usage or input errors.`)
    .action(async (input: string, o: PerfettoFlags) => {
      const strategies = await schemes(o.strategy, io.cwd)
      const folios = o.folio?.map(parsePfn)
      const top = Number(o.top)
      if (!Number.isInteger(top) || top < 1 || top > 4096) throw new UserError(`--top: '${o.top}' is not a number of folios from 1 to 4096`)
      const t = await analysisInput(input, io)
      try {
        let r
        try {
          r = exportPerfetto(t.path, inCwd(io, o.output), { strategies, top, title: input, ...(folios ? { folios } : {}) })
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code
          if (code !== undefined && (e as NodeJS.ErrnoException).syscall === 'open') throw new UserError(`cannot write ${o.output}: ${code}`)
          throw e
        }
        io.stdout.write(
          `${o.output}: ${r.events} events, ${r.folios.length} folios (${r.folios.map((f) => '0x' + f.toString(16)).join(', ') || 'none'}), ` +
            `${r.samples} counter samples, ${r.divergences} divergences, ${r.violations} violations\n`,
        )
        for (const d of r.damage) io.stderr.write(`mmsim: ${describeDamage(input, d)}\n`)
        if (r.damage.length > 0) io.exitCode = 1
      } finally {
        t.cleanup()
      }
    })
}
