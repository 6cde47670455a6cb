import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Command } from 'commander'
import {
  divergenceInteresting, formatDivergence, scenarioDivergence, shrinkScenario, type BisectResult, type Interesting, type QueryName, type ScenarioVersus,
} from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { LiveKernelError, observeLive, type ParsedScenario } from '@mmsim/kernel'
import { oneStrategy } from '../analysisInput.ts'
import { outputFile } from '../outputFile.ts'
import { UserError } from '../userError.ts'
import { queriesOf } from './bisect.ts'
import { readParsedScenario } from './scenarioInput.ts'
import type { CliIo } from '../cliIo.ts'

interface ShrinkFlags {
  output: string
  a?: string
  b?: string
  truth?: boolean
  kernel?: boolean
  query?: string
  run?: string
  json?: boolean
}

/**
 * runInteresting - the `--run CMD` test: CMD runs in the directory mmsim was started from (so `./test.sh`
 * means what the user meant), with the candidate written to a temporary file given as its last argument
 * and $MMSIM_CANDIDATE. The first run's status 126/127 (cannot execute / not found) is an error, not
 * "not interesting".
 */
function runInteresting(cmd: string, file: string, dir: string, io: CliIo): Interesting {
  const path = join(dir, basename(file))
  let first = true
  return (s: ParsedScenario) => {
    writeFileSync(path, printed(s))
    const p = spawnSync('sh', ['-c', `${cmd} "$MMSIM_CANDIDATE"`], { cwd: io.cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...io.env, MMSIM_CANDIDATE: path } })
    if (first && (p.status === 126 || p.status === 127)) {
      const said = (p.stderr ?? '').trim().split('\n').pop() ?? ''
      throw new UserError(`--run: '${cmd}' exited ${p.status} (${p.status === 127 ? 'command not found' : 'cannot execute'})${said ? `: ${said}` : ''}`)
    }
    first = false
    return p.status === 0
  }
}

let printed: (s: ParsedScenario) => string = () => ''

/**
 * register - `mmsim shrink SCENARIO --a ID (--b ID | --truth | --kernel) [--query NAME] -o MIN.scenario`:
 * delta debugging keeping the divergence in the same query (by default the query of the first divergence);
 * `--run CMD`: keep what CMD finds interesting (exit 0; the candidate is its last argument and $MMSIM_CANDIDATE).
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('shrink')
    .description('reduce a scenario to a 1-minimal one that still shows a divergence (or that a command finds interesting)')
    .argument('<scenario>', 'scenario file (.scenario)')
    .requiredOption('-o, --output <file>', 'where to write the minimal scenario')
    .option('--a <scheme>', 'the scheme under test: an id or ./plugin.js')
    .option('--b <scheme>', 'keep a divergence from this scheme')
    .option('--truth', 'keep a divergence from the ground truth')
    .option('--kernel', 'keep a divergence from the live kernel (every candidate is run on it)')
    .option('--query <name>', 'the query that must keep diverging (default: the query of the first divergence)')
    .option('--run <cmd>', 'interestingness test, C-Reduce style: exit 0 when the candidate (last argument, $MMSIM_CANDIDATE) is interesting')
    .option('--json', 'print the result as JSON (docs/schemas/shrink.schema.json): counts, the minimal scenario, its divergence')
    .addHelpText('after', '\nExit status: 0 shrunk, 2 usage or input errors (or the scenario is not interesting to begin with).')
    .action(async (file: string, o: ShrinkFlags) => {
      const s = await readParsedScenario(file, io)
      const { printScenario } = await import('@mmsim/kernel')
      printed = (c) => printScenario(c.statements)
      const started = performance.now()
      let interesting: Interesting
      let diverge: ((m: ParsedScenario) => Promise<BisectResult>) | null = null
      let query: QueryName | null = null
      if (o.json && o.output === '-') throw new UserError('--json puts the report on stdout: give -o a file, not -')
      // the output is claimed before the work: an unwritable -o fails now, not after the shrinking
      const out = outputFile(o.output, io, [file])
      let committed = false
      const dir = mkdtempSync(join(tmpdir(), 'mmsim-shrink-'))
      try {
        if (o.run !== undefined) {
          if (o.a !== undefined || o.b !== undefined || o.truth || o.kernel) throw new UserError('shrink takes either --run CMD or --a with --b/--truth/--kernel')
          interesting = runInteresting(o.run, file, dir, io)
          await interesting(s) // the first run: a command that cannot run is an error (the shrinker would call it uninteresting)
        } else {
          if (o.a === undefined) throw new UserError('shrink needs --a ID with one of --b ID, --truth, --kernel (or --run CMD)')
          if ([o.b !== undefined, o.truth === true, o.kernel === true].filter(Boolean).length !== 1) throw new UserError('shrink compares --a with exactly one of --b ID, --truth, --kernel')
          const a = await oneStrategy(o.a, '--a', io.cwd)
          let versus: ScenarioVersus
          if (o.b !== undefined) versus = { b: await oneStrategy(o.b, '--b', io.cwd) }
          else if (o.truth) versus = { truth: true }
          else versus = { observe: (c) => observeLive(c) }
          const qs = queriesOf(o.query)
          if (qs !== undefined && qs.length !== 1) throw new UserError('--query takes one query name for shrink')
          let first
          try {
            first = await scenarioDivergence(s, a, versus, qs)
          } catch (e) {
            if (e instanceof LiveKernelError) throw new UserError(e.message)
            throw e
          }
          if (first.divergence === null) throw new UserError(`${file}: ${first.labels[0]} and ${first.labels[1]} do not diverge${qs ? ` in ${qs[0]}` : ''}: nothing to shrink`)
          const kept: QueryName = first.divergence.query
          query = kept
          io.stderr.write(`shrink: keeping the divergence in ${kept} (${first.labels[0]} vs ${first.labels[1]})\n`)
          interesting = divergenceInteresting(a, versus, kept)
          diverge = (m) => scenarioDivergence(m, a, versus, [kept])
        }
        let r
        try {
          r = await shrinkScenario(s, interesting, {
            onProgress: (n, tests) => io.stderr.isTTY && io.stderr.write(`\rshrink: ${n} statements after ${tests} tests\x1b[K`),
          })
        } catch (e) {
          if (e instanceof Error && /not interesting/.test(e.message)) throw new UserError(e.message)
          throw e
        }
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K')
        writeFileSync(out.path, r.text)
        await out.commit()
        committed = true
        const before = s.statements.filter((x) => x.op !== 'scenario').length
        const after = r.scenario.statements.filter((x) => x.op !== 'scenario').length
        const seconds = (performance.now() - started) / 1000
        const shown = { ...r.scenario, file: o.output === '-' ? 'stdout' : o.output }
        if (o.json) {
          const d = diverge === null ? null : await diverge(shown)
          io.stdout.write(jsonDocument('shrink', {
            mode: o.run === undefined ? 'divergence' : 'run', input: file, output: o.output, command: o.run ?? null,
            query, labels: d?.labels ?? null, statements: { before, after }, tests: r.tests, cached: r.cached, rounds: r.rounds,
            seconds: Math.round(seconds * 10) / 10, scenario: r.text, divergence: d?.divergence ?? null, context: d?.context ?? [],
          }))
          return
        }
        const secs = seconds.toFixed(1)
        // with -o - the scenario itself is stdout; the report goes to stderr
        const report = o.output === '-' ? io.stderr : io.stdout
        report.write(`shrunk ${file}: ${before} -> ${after} statements (${r.tests} tests, ${r.cached} cached, ${secs} s) -> ${o.output === '-' ? 'stdout' : o.output}\n`)
        if (o.output !== '-') report.write(r.text)
        const d = diverge === null ? null : await diverge(shown)
        if (d !== null) report.write((d.divergence === null ? [] : formatDivergence(d.divergence, d.labels, d.context)).join('\n') + '\n')
      } finally {
        if (!committed) out.discard()
        rmSync(dir, { recursive: true, force: true })
      }
    })
}
