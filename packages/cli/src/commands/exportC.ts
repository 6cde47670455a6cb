import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { exportSelftestC, SelftestError } from '@mmsim/report'
import { UserError } from '../userError.ts'
import { readParsedScenario, simulate } from './scenarioInput.ts'
import { strategyObserver } from './strategyObserver.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

interface ExportCFlags {
  output: string
  strategy?: string
}

/**
 * register - `mmsim export-c SCENARIO [--strategy ID] -o OUT.c`: the scenario as a kselftest-style C program
 * asserting, at every check, what the simulated kernel (or scheme ID) predicts (see exportSelftestC()).
 * Exit 0 written, 2 usage, input or "not modelled" errors.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('export-c')
    .description('write a scenario as a kselftest-style C program that performs it with real system calls and asserts the model\'s predictions at every check (TAP; exit 0 pass, 1 fail, 4 skip)')
    .argument('<scenario>', 'scenario file (.scenario)')
    .requiredOption('-o, --output <file>', 'the C file to write')
    .option('--strategy <id>', 'assert kpagecount and pagemap bit 56 as this mapcount scheme would report them (default: the simulated linux-6.18 kernel)')
    .addHelpText('after', '\nBuild and run: cc -Wall -Werror -o t OUT.c && sudo ./t   (changes THP/HugeTLB knobs while it runs and restores them)\nExit status: 0 written, 2 usage or input errors.')
    .action(async (file: string, o: ExportCFlags) => {
      const parsed = await readParsedScenario(file, io)
      const model = simulate(parsed, o.strategy === undefined ? null : await strategyObserver(o.strategy, io.cwd)).observation
      let text: string
      try {
        text = exportSelftestC(parsed, model)
      } catch (e) {
        if (e instanceof SelftestError) throw new UserError(e.message)
        throw e
      }
      try {
        writeFileSync(inCwd(io, o.output), text)
      } catch (e) {
        throw new UserError(`cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      io.stdout.write(`${o.output}: ${parsed.name}, ${model.checks.length} checks, ${model.refused.length} predicted refusals (${model.detail})\n`)
    })
}
