import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { inCwd, type CliIo } from '../cliIo.ts'
import { diffTestSeed, type DiffTestCase, type DiffTestMix } from '@mmsim/analysis'
import { acquireKernelTestLock, liveKernelProblem, observeLive, releaseKernelTestLock } from '@mmsim/kernel'
import { jsonDocument } from '@mmsim/report'
import { UserError } from '../userError.ts'

interface DiffTestFlags {
  seeds?: string
  seed?: string[]
  from: string
  out?: string
  shrink: boolean
  shrinkBudget: string
  json?: boolean
  mix: string
}

function int(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UserError(`--${name} ${text}: want an integer in [${min}, ${max}]`)
  return n
}

/** seedsOf - the seeds of `--seeds N [--from F]` (F … F+N-1) or `--seed S…`; a bad value is a one-line UserError. */
export function seedsOf(o: Pick<DiffTestFlags, 'seeds' | 'seed' | 'from'>): number[] {
  if (o.seeds !== undefined && o.seed !== undefined) throw new UserError('give --seeds N or --seed S…, not both')
  if (o.seed !== undefined) return o.seed.map((s) => int('seed', s, 0, 2 ** 32 - 1))
  const n = int('seeds', o.seeds ?? '10', 1, 100_000)
  const from = int('from', o.from, 0, 2 ** 32 - 1)
  return Array.from({ length: n }, (_, i) => from + i)
}

/** caseLines - the text report of one seed: a verdict line, then (differ) the first differences and the shrunk scenario. */
export function caseLines(c: DiffTestCase, saved: string | null): string[] {
  const verdict = { agree: 'Agree', differ: 'Differ', skip: 'Skip', error: 'Error' }[c.verdict]
  const out = [`seed ${c.seed} ${c.name} ${verdict}${c.reason === null ? '' : ` (${c.reason.split('\n')[0]})`} Hash=${c.hash}`]
  for (const d of c.differences.slice(0, 5)) out.push(`  line ${d.line} ${d.proc} ${d.mapping}${d.off < 0 ? '' : ` +0x${d.off.toString(16)}`} ${d.field}: model ${d.model} kernel ${d.kernel}`)
  if (c.verdict === 'differ') {
    if (c.shrunk === null) out.push('  not shrunk; the generated scenario:', ...c.scenario.trimEnd().split('\n').map((l) => `    ${l}`))
    else out.push(`  shrunk to ${c.shrunk.statements} statements (${c.shrunk.tests} kernel runs)${saved ? ` -> ${saved}` : ''}:`, ...c.shrunk.scenario.trimEnd().split('\n').map((l) => `    ${l}`))
  }
  return out
}

/** summaryOf - how many of @cases agree, differ, were skipped, failed. */
export function summaryOf(cases: readonly DiffTestCase[]): Record<DiffTestCase['verdict'], number> {
  const count = (v: DiffTestCase['verdict']): number => cases.filter((c) => c.verdict === v).length
  return { agree: count('agree'), differ: count('differ'), skip: count('skip'), error: count('error') }
}

/** difftestDocument - the `mmsim-difftest/1` document of a run of @seeds (docs/schemas/difftest.schema.json). */
export function difftestDocument(seeds: readonly number[], cases: readonly DiffTestCase[]): string {
  const summary = summaryOf(cases)
  return jsonDocument('difftest', { seeds, agree: summary.differ === 0 && summary.error === 0, summary, cases })
}

/**
 * difftestHandler - `mmsim difftest [--seeds N [--from F] | --seed S…] [--mix base|wide] [--out DIR] [--no-shrink] [--json]`:
 * per seed, differentialScenario(seed) (--mix wide: differentialScenarioWide(seed)) on the simulated kernel and on the live kernel (under the
 * live-kernel test lock, knobs restored by observeLive()), compared as `mmsim verify` does; each
 * disagreement shrunk on the live kernel and, with --out, saved as DIR/difftest-SEED.scenario. Exit 0
 * when every seed agrees or is skipped (the simulator said "not modelled"), 1 when one differs, 2 on
 * usage errors or when a live run failed.
 */
export async function difftestHandler(o: DiffTestFlags, io: CliIo): Promise<void> {
  const seeds = seedsOf(o)
  if (o.mix !== 'base' && o.mix !== 'wide' && o.mix !== 'long') throw new UserError(`--mix ${o.mix}: want base, wide or long`)
  const mix: DiffTestMix = o.mix
  const budget = int('shrink-budget', o.shrinkBudget, 1, 10_000)
  const problem = liveKernelProblem()
  if (problem) throw new UserError(`${problem} (difftest runs every scenario on the live kernel)`)
  const outDir = o.out === undefined ? undefined : inCwd(io, o.out)
  if (outDir !== undefined) mkdirSync(outDir, { recursive: true })
  const note = (m: string): void => void io.stderr.write(`mmsim: ${m}\n`)
  await acquireKernelTestLock(24 * 3600_000)
  const cases: DiffTestCase[] = []
  try {
    for (const seed of seeds) {
      const c = await diffTestSeed(seed, { observe: (s) => observeLive(s, { note: (m) => note(`${s.name}: ${m}`) }), shrink: o.shrink, shrinkBudget: budget, note, mix })
      cases.push(c)
      let saved: string | null = null
      if (c.verdict === 'differ' && o.out !== undefined && outDir !== undefined) {
        saved = join(o.out, `${c.name}.scenario`)
        writeFileSync(join(outDir, `${c.name}.scenario`), c.shrunk?.scenario ?? c.scenario)
      }
      if (!o.json) io.stdout.write(caseLines(c, saved).join('\n') + '\n')
    }
  } finally {
    releaseKernelTestLock()
  }
  const summary = summaryOf(cases)
  if (o.json) io.stdout.write(difftestDocument(seeds, cases))
  else io.stdout.write(`${seeds.length} seeds: ${summary.agree} agree, ${summary.differ} differ, ${summary.skip} skipped (not modelled), ${summary.error} errors\n`)
  io.exitCode = summary.error ? 2 : summary.differ ? 1 : 0
}

/** register - `mmsim difftest`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('difftest')
    .description('differential test: seeded random scenarios on the simulated and the live kernel, each disagreement shrunk')
    .option('--seeds <n>', 'run N seeds (default 10), starting at --from')
    .option('--from <f>', 'first seed of --seeds', '1')
    .option('--seed <s...>', 'run these seeds')
    .option('--mix <mix>', 'scenario generator: base (the original surface), wide (also mremap, dontfork/dofork, pin/unpin, check smaps/vmemmap, HVO, mTHP to 1M, 8M mappings, 5 forks) or long (wide with up to 19 steps, shmem_thp deny/force, 2M per-size knobs); a seed names a scenario within its mix', 'base')
    .option('--out <dir>', 'save each disagreement as DIR/difftest-SEED.scenario (shrunk when shrinking succeeded)')
    .option('--no-shrink', 'report disagreements without shrinking them')
    .option('--shrink-budget <n>', 'at most N live-kernel runs per shrink', '80')
    .option('--json', 'print the cases as JSON (docs/schemas/difftest.schema.json)')
    .addHelpText('after', '\nExit status: 0 every seed agrees or is skipped (not modelled), 1 a seed differs, 2 usage errors or a failed live run.')
    .action((o: DiffTestFlags) => difftestHandler(o, io))
}
