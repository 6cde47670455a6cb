import type { Command } from 'commander'
import { bisectHvoWrite, bisectTrace, formatDivergence, formatEvent, isQueryName, QUERY_NAMES, type QueryName, type Versus } from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { analysisInput, oneStrategy } from '../analysisInput.ts'
import { progressReporter } from '../progress.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface BisectFlags {
  a?: string
  b?: string
  truth?: boolean
  kernel?: boolean
  query?: string
  run?: string
  json?: boolean
  hvoWrite?: boolean
  strategy?: string
}

/** queriesOf - the query names of a `--query a,b` option (undefined: all); unknown names are a UserError. */
export function queriesOf(spec: string | undefined): QueryName[] | undefined {
  if (spec === undefined) return undefined
  const out = spec.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const q of out) if (!isQueryName(q)) throw new UserError(`unknown query '${q}' (expected one of ${QUERY_NAMES.join(', ')})`)
  return out as QueryName[]
}

async function bisectAnswers(input: string, o: BisectFlags, io: CliIo): Promise<void> {
  if (o.a === undefined) throw new UserError('bisect needs --a ID with one of --b ID, --truth, --kernel (or --run CMD)')
  const against = [o.b !== undefined, o.truth === true, o.kernel === true].filter(Boolean).length
  if (against !== 1) throw new UserError('bisect compares --a with exactly one of --b ID, --truth, --kernel')
  const a = await oneStrategy(o.a, '--a', io.cwd)
  const queries = queriesOf(o.query)
  const t = await analysisInput(input, io)
  try {
    let versus: Versus
    if (o.b !== undefined) versus = { b: await oneStrategy(o.b, '--b', io.cwd) }
    else if (o.truth) versus = { truth: true }
    else {
      if (t.kernel === null) throw new UserError(`${input}: no kernel observations (record the trace with 'mmsim record --kernel', or give a scenario with a stored NAME.kernel.json)`)
      versus = { kernel: t.kernel }
    }
    const progress = progressReporter('bisect', io.stderr)
    const r = await bisectTrace(t.path, { a, versus, queries, onProgress: progress.update })
    progress.done()
    if (o.json) {
      const { labels, events, skipped, divergence, context } = r
      io.stdout.write(jsonDocument('bisect', { mode: 'answers', input, labels, events, skipped, divergence, context }))
      io.exitCode = divergence === null ? 0 : 1
    } else if (r.divergence === null) {
      io.stdout.write(`no divergence: ${r.labels[0]} and ${r.labels[1]} agree after all ${r.events} events${r.skipped ? ` (${r.skipped} events broke a precondition, not compared)` : ''}\n`)
      io.exitCode = 0
    } else {
      io.stdout.write(formatDivergence(r.divergence, r.labels, r.context).join('\n') + '\n')
      io.exitCode = 1
    }
  } finally {
    t.cleanup()
  }
}

/** bisectHvo - `--hvo-write --strategy ID`: the first event after which scheme ID has written a struct page HVO freed (exit 1; 0 when none) */
async function bisectHvo(input: string, o: BisectFlags, io: CliIo): Promise<void> {
  if (o.strategy === undefined) throw new UserError('bisect --hvo-write needs --strategy ID (the scheme whose struct page writes are checked)')
  const st = await oneStrategy(o.strategy, '--strategy', io.cwd)
  const t = await analysisInput(input, io)
  try {
    const progress = progressReporter('bisect', io.stderr)
    const r = await bisectHvoWrite(t.path, st, progress.update)
    progress.done()
    if (o.json) io.stdout.write(jsonDocument('bisect', { mode: 'hvoWrite', input, label: r.label, events: r.events, skipped: r.skipped, first: r.first }))
    else if (r.first === null) io.stdout.write(`no write to a struct page HVO maps read-only: ${r.label} after all ${r.events} events${r.skipped ? ` (${r.skipped} events broke a precondition, not applied)` : ''}\n`)
    else io.stdout.write(`first write to a struct page HVO maps read-only (6.18: struct page 64 or later of an optimized HugeTLB folio) under ${r.label}: event ${r.first.index}: ${formatEvent(r.first.event)}\n`)
    io.exitCode = r.first === null ? 0 : 1
  } finally {
    t.cleanup()
  }
}

/**
 * register - `mmsim bisect TRACE|SCENARIO --a ID (--b ID | --truth | --kernel) [--query NAME]`: the first
 * event after which the answers differ (exit 1; 0 when none); `mmsim bisect TRACE --run CMD`: the first
 * event prefix at which CMD turns bad, git bisect run style.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('bisect')
    .description('find the first event after which a scheme answers differently from another scheme, the ground truth or the kernel; or (--run) the first prefix at which a command turns bad')
    .argument('<input>', 'trace (.mmtrace, .jsonl) or scenario (.scenario)')
    .option('--a <scheme>', 'the scheme under test: an id (see mmsim strategies) or ./plugin.js')
    .option('--b <scheme>', 'compare with this scheme')
    .option('--truth', 'compare with the ground truth')
    .option('--kernel', 'compare with the kernel observations (record --kernel sidecar, or a scenario\'s stored NAME.kernel.json)')
    .option('--query <names>', `compare only these queries (comma-separated: ${QUERY_NAMES.join(', ')})`)
    .option('--hvo-write', 'find the first event after which --strategy ID has written a struct page HVO maps read-only (cost column hvoWrites)')
    .option('--strategy <scheme>', 'with --hvo-write: the scheme checked (an id or ./plugin.js)')
    .option('--json', 'print the result as JSON (docs/schemas/bisect.schema.json); with --run, the steps go to stderr')
    .option('--run <cmd>', 'binary-search the first event prefix at which CMD (run by sh; $MMSIM_PREFIX or the appended argument is the prefix trace) exits bad: 0 good, 1-127 bad, 125 skip, >=128 abort')
    .addHelpText('after', '\nExit status: 0 no divergence (--run: the whole trace tests good), 1 divergence (--run: first bad event) found, 2 usage or input errors (--run: the command exited >= 128).')
    .action(async (input: string, o: BisectFlags) => {
      if (o.run !== undefined) {
        const { bisectRunCommand } = await import('./bisectRunCommand.ts')
        return bisectRunCommand(input, o.run, io, { json: o.json ?? false })
      }
      if (o.hvoWrite === true) return bisectHvo(input, o, io)
      return bisectAnswers(input, o, io)
    })
}
