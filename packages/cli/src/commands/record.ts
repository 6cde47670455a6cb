import { renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Command } from 'commander'
import type { MmEvent } from '@mmsim/core'
import { printScenario, scenarioOptionalTypes, simDetail, type SimRun } from '@mmsim/kernel'
import { DEFAULT_FRAME_EVENTS, optionalStructures, TraceWriter, type TraceSource } from '@mmsim/trace'
import { jsonDocument } from '@mmsim/report'
import { outputFile } from '../outputFile.ts'
import { UserError } from '../userError.ts'
import { readParsedScenario, simulateTo } from './scenarioInput.ts'
import { embedKernelObservations } from './recordKernel.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

const ioError = (output: string, e: unknown): UserError =>
  new UserError(`cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)

/**
 * register - `mmsim record FILE.scenario -o OUT.mmtrace`: run the scenario on the simulated Linux 6.18
 * kernel and write its events (causes `file:line`, `check/marked` marks at the checks) to a trace.
 *
 * The events are streamed: each goes into the frame being filled as the simulator emits it, and full frames
 * are written at once, so memory follows the simulated state, not the trace. The trace is written to a
 * temporary file beside OUT (header first: its `source.detail` is known before the run) and renamed onto OUT
 * when complete; a failed run removes it, so OUT is never half-written.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('record')
    .description('run a scenario on the simulated Linux 6.18 kernel and write its MM events to a .mmtrace')
    .argument('<file>', 'scenario file (.scenario, or - for stdin)')
    .requiredOption('-o, --output <trace>', 'output .mmtrace file (- for stdout)')
    .option('--kernel', 'also embed the live kernel\'s observations for bisect --kernel (written beside the trace: OUTPUT.kernel.json)')
    .option('--stored', 'with --kernel: embed the stored NAME.kernel.json beside the scenario instead of observing the live kernel')
    .option('--json', 'print what was recorded as JSON (docs/schemas/record.schema.json) instead of the summary line')
    .action(async (file: string, o: { output: string; kernel?: boolean; stored?: boolean; json?: boolean }) => {
      if (o.output === '-' && o.kernel) throw new UserError('record --kernel writes OUTPUT.kernel.json beside the trace: it needs -o FILE, not -')
      if (o.output === '-' && o.json) throw new UserError('record -o - writes the trace to stdout: it cannot print --json there too')
      const s = await readParsedScenario(file, io)
      // `-o -`: the trace goes to stdout once complete; otherwise recordScenario writes beside OUT and renames
      const out = o.output === '-' ? outputFile('-', io) : null
      if (out === null) outputFile(o.output, io, [file]).discard() // refuses to overwrite the input, checks the directory
      let r: SimRun
      try {
        r = recordScenario(s, out?.path ?? inCwd(io, o.output))
        await out?.commit()
      } catch (e) {
        out?.discard()
        throw e
      }
      const sidecar = o.kernel ? await embedKernelObservations(file, s, o.output, o.stored === true, io) : null
      if (o.json) {
        io.stdout.write(jsonDocument('record', {
          scenario: s.name, input: file, output: o.output, events: r.events, checks: r.observation.checks.length,
          refused: r.observation.refused, kernelObservations: sidecar, detail: r.observation.detail,
          violations: { count: r.truth.violationCount, shown: r.truth.violations.slice(0, 20) },
        }))
      } else {
        if (sidecar !== null) io.stderr.write(`${s.name}: kernel observations -> ${sidecar}\n`)
        const refused = r.observation.refused.map((x) => `${x.op}@${x.line}=${x.errno}`).join(' ')
        io.stderr.write(`${s.name}: ${r.events} events, ${r.observation.checks.length} checks${refused ? `, refused ${refused}` : ''} -> ${o.output}\n`)
      }
      if (r.truth.violationCount > 0) {
        if (!o.json) io.stderr.write(`${s.name}: the model broke ${r.truth.violationCount} event preconditions (a simulator bug): ${r.truth.violations[0]?.message}\n`)
        io.exitCode = 1
      }
    })
}

/**
 * RecordOptions - options of {@link recordScenario}.
 * @frameEvents: events per frame (the trace's frame size; default DEFAULT_FRAME_EVENTS)
 * @onEvent: called with each event right after the writer took it (progress, tests); may throw to abort
 */
export interface RecordOptions {
  frameEvents?: number
  onEvent?: (e: MmEvent) => void
}

/**
 * recordScenario - simulate @s and stream its events into trace @output: a temporary file beside it
 * (`.OUTPUT.PID.tmp`) gets the header, then every frame as it fills; when the run is complete the index is
 * written and the file renamed onto @output. If anything fails (the scenario, the writer, @opts.onEvent)
 * the temporary file is removed and @output is left as it was. @returns the run
 */
export function recordScenario(s: Parameters<typeof simulateTo>[0], output: string, opts: RecordOptions = {}): SimRun {
  const source: TraceSource = { kind: 'scenario', name: s.name, text: printScenario(s.statements), detail: simDetail() }
  const tmp = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`)
  let w: TraceWriter
  try {
    w = new TraceWriter(tmp, source, opts.frameEvents ?? DEFAULT_FRAME_EVENTS, optionalStructures(scenarioOptionalTypes(s.statements)))
  } catch (e) {
    throw ioError(output, e)
  }
  const tap = opts.onEvent
  try {
    const r = simulateTo(s, tap === undefined ? (e) => w.write(e) : (e) => {
      w.write(e)
      tap(e)
    })
    if (r.observation.detail !== source.detail) throw new Error(`model bug: the header's detail '${source.detail}' is not the run's '${r.observation.detail}'`)
    w.close()
    try {
      renameSync(tmp, output)
    } catch (e) {
      throw ioError(output, e)
    }
    return r
  } catch (e) {
    w.abort()
    rmSync(tmp, { force: true })
    throw e
  }
}
