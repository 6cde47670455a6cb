import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { replayTrace } from '@mmsim/analysis'
import { formatReplay, replayReport } from '@mmsim/report'

const DEMO = fileURLToPath(new URL('../../../../traces/fork-cow-pmd-thp.mmtrace', import.meta.url))

/** demo - `mmsim demo`: replay the bundled trace of a fork + COW of a PMD-mapped THP and print its report. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('replay the bundled trace traces/fork-cow-pmd-thp.mmtrace and print its report')
    .action(async () => {
      const r = await replayTrace(DEMO)
      process.stdout.write(formatReplay(replayReport({ ...r, file: 'traces/fork-cow-pmd-thp.mmtrace' })) + '\n')
      if ((r.state?.violationCount ?? 0) > 0 || r.damage.length > 0) process.exitCode = 1
    })
}
