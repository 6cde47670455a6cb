import type { Command } from 'commander'
import { num, table, type Column } from '@mmsim/analysis'
import { FatalScenarioError, parseScenario, sweepWaste, type SweepPolicy, type SweepRow } from '@mmsim/kernel'
import { JSON_FORMATS, jsonDocument } from '@mmsim/report'
import { stepReporter } from '../progress.ts'
import { UserError } from '../userError.ts'
import { readParsedScenario } from './scenarioInput.ts'
import type { CliIo } from '../cliIo.ts'

/** SWEEP_FORMAT - the `format` of `mmsim sweep --json` (docs/schemas/sweep.schema.json). */
export const SWEEP_FORMAT = JSON_FORMATS.sweep

/** DEFAULT_SIZES - the shmem folio sizes `mmsim sweep` tries when no --set is given (each alone). */
export const DEFAULT_SIZES = ['16K', '32K', '64K', '128K', '256K', '512K', '1M', '2M'] as const

/**
 * parsePolicy - one `--set` value: comma-separated knob settings in `set` syntax
 * (`shmem_thp.64K=always,shmem_thp.2M=never`), checked by the scenario parser.
 * @throws UserError (one line) on a bad setting
 */
export function parsePolicy(value: string): SweepPolicy {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '')
  if (parts.length === 0) throw new UserError(`--set '${value}': no knob setting`)
  try {
    const s = parseScenario(parts.map((p) => `set ${p}`).join('\n') + '\n', '--set')
    return { name: parts.join(','), sets: s.statements.filter((st) => st.op === 'set') }
  } catch (e) {
    throw new UserError(`--set '${value}': ${(e as Error).message.replace(/^--set:\d+: /, '')}`)
  }
}

/**
 * defaultPolicies - every size of {@link DEFAULT_SIZES} alone, named `SIZE only`: `shmem_thp.SIZE=always` and
 * `shmem_thp.2M=never` (for 2M: `shmem_thp.2M=always`).
 */
export function defaultPolicies(): SweepPolicy[] {
  return DEFAULT_SIZES.map((z) => ({ ...parsePolicy(z === '2M' ? 'shmem_thp.2M=always' : `shmem_thp.${z}=always,shmem_thp.2M=never`), name: `${z} only` }))
}

/** formatSweep - the text table of @rows (pages of 4 KiB), within 120 columns for short policy names. */
export function formatSweep(name: string, rows: readonly SweepRow[]): string[] {
  const r = (title: string, gap?: number): Column => ({ title, align: 'right', ...(gap === undefined ? {} : { gap }) })
  const cols: Column[] = [
    { title: 'policy' }, { title: 'shmem folios' }, r('alloc'), r('written'), r('unwritten'), r('held'), r('flag'), r('zscan'),
    r('PMD'), r('PTE'), r('splits'), r('held', 4), r('flag'), r('zscan'),
  ]
  const body = rows.map((x) => [
    x.policy,
    Object.entries(x.shmemFolios).map(([z, n]) => `${num(n)}x${z}`).join(' ') || '-',
    x.allocated, x.written, x.allocated - x.written, x.punchedHeld, x.flagReturns, x.zeroScanReturns, x.pmdEntries, x.pteEntries,
    x.report.punchSplits, x.ifSplitsFail.punchedHeld, x.ifSplitsFail.flagReturns, x.ifSplitsFail.zeroScanReturns,
  ])
  const lines = table(cols, body)
  const at = lines[0]!.lastIndexOf('splits') + 'splits'.length + 4
  return [
    `sweep of ${name} on the simulated 6.18 kernel, once per policy: anon, shmem and file folios after the last`,
    'statement, in 4 KiB pages. unwritten = allocated but zero; held = punched but still allocated; flag, zscan = what',
    'flag-on-failed-split, zero-page scanning would free; PMD, PTE = entries mapping the folios; splits = large folios',
    'split by punches; the last three columns: the same run with every such split failing (as if the folio were pinned)',
    '',
    ' '.repeat(at) + 'if splits failed',
    ...lines,
  ]
}

/** sweep - `mmsim sweep SCENARIO [--set KNOBS]… [--json]`: one scenario under several policies, waste against entries. */
export function register(program: Command, io: CliIo): void {
  program
    .command('sweep')
    .description('run one scenario under several knob policies and tabulate memory waste against page-table entries')
    .argument('<scenario>', '.scenario file')
    .option('--set <knobs>', "one policy: knob settings in 'set' syntax, comma-separated (repeatable; default: each shmem size 16K..2M alone)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--no-baseline', "leave out the scenario's own policy (first row, 'as written')")
    .option('--json', `print as JSON (format ${SWEEP_FORMAT})`)
    .option('--progress', 'show which policy runs on stderr even when it is not a terminal (on a terminal it always shows)')
    .action(async (file: string, o: { set: string[]; baseline: boolean; json?: boolean; progress?: boolean }) => {
      const policies = o.set.length > 0 ? o.set.map(parsePolicy) : defaultPolicies()
      const s = await readParsedScenario(file, io)
      if (o.baseline) policies.unshift({ name: 'as written', sets: [] })
      let rows: SweepRow[]
      try {
        // one policy at a time (each runs alone: sweepWaste() of one policy is its row), progress between them
        const progress = stepReporter('sweep', io.stderr, o.progress === true)
        rows = []
        try {
          for (const [i, p] of policies.entries()) {
            progress.step(i + 1, policies.length, `policy ${p.name}`)
            rows.push(...sweepWaste(s, [p]))
          }
        } finally {
          progress.done()
        }
      } catch (e) {
        if (e instanceof FatalScenarioError) throw new UserError(e.message)
        throw e
      }
      if (o.json) {
        io.stdout.write(jsonDocument('sweep', { scenario: s.name, policies: rows.map(({ report, ...r }) => ({ ...r, punchSplits: report.punchSplits, punchSplitFreed: report.punchSplitFreed, rows: report.rows })) }))
      } else io.stdout.write(formatSweep(s.name, rows).join('\n') + '\n')
    })
}
