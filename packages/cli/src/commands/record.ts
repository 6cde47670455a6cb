import type { Command } from 'commander'
import { printScenario } from '@mmsim/kernel'
import { TraceWriter } from '@mmsim/trace'
import { UserError } from '../userError.ts'
import { readParsedScenario, simulate } from './scenarioInput.ts'
import { embedKernelObservations } from './recordKernel.ts'

/**
 * register - `mmsim record FILE.scenario -o OUT.mmtrace`: run the scenario on the simulated Linux 6.18
 * kernel and write its events (causes `file:line`, `check/marked` marks at the checks) to a trace.
 */
export function register(program: Command): void {
  program
    .command('record')
    .description('run a scenario on the simulated Linux 6.18 kernel and write its MM events to a .mmtrace')
    .argument('<file>', 'scenario file (.scenario)')
    .requiredOption('-o, --output <trace>', 'output .mmtrace file')
    .option('--kernel', 'also embed the live kernel\'s observations for bisect --kernel (written beside the trace: OUTPUT.kernel.json)')
    .option('--stored', 'with --kernel: embed the stored NAME.kernel.json beside the scenario instead of observing the live kernel')
    .action(async (file: string, o: { output: string; kernel?: boolean; stored?: boolean }) => {
      const s = readParsedScenario(file)
      const r = simulate(s)
      let w: TraceWriter
      try {
        w = new TraceWriter(o.output, { kind: 'scenario', name: s.name, text: printScenario(s.statements), detail: r.observation.detail })
      } catch (e) {
        throw new UserError(`cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      for (const e of r.events) w.write(e)
      w.close()
      if (o.kernel) process.stderr.write(`${s.name}: kernel observations -> ${await embedKernelObservations(file, s, o.output, o.stored === true)}\n`)
      const refused = r.observation.refused.map((x) => `${x.op}@${x.line}=${x.errno}`).join(' ')
      process.stderr.write(`${s.name}: ${r.events.length} events, ${r.observation.checks.length} checks${refused ? `, refused ${refused}` : ''} -> ${o.output}\n`)
      if (r.state.violationCount > 0) {
        process.stderr.write(`${s.name}: the model broke ${r.state.violationCount} event preconditions (a simulator bug): ${r.state.violations[0]?.message}\n`)
        process.exitCode = 1
      }
    })
}
