import { existsSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  compareObservations, liveKernelProblem, observeLive, scenarioHash, type Comparison, type ObservationDocument,
} from '@mmsim/kernel'
import { jsonDocument } from '@mmsim/report'
import { UserError } from '../userError.ts'
import { readParsedScenario, simulate } from './scenarioInput.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

/** VerifyOptions - options of `mmsim verify`. */
export interface VerifyOptions {
  stored?: boolean
  json?: boolean
}

/** VerifyResult - one scenario's entry of the `mmsim-verify/1` document: its verdict, or the error that stopped it. */
type VerifyResult =
  | ({ file: string; name: string; hash: string; verdict: 'Agree' | 'Differ'; against: string } & Comparison)
  | { file: string; error: string; stale?: true; hash?: string; storedHash?: string }

/** EXIT_STALE - exit status of `verify --stored` when a stored observation answers another scenario text. */
export const EXIT_STALE = 3

/**
 * StaleObservation - the stored observation @storedHash was recorded from another scenario text than the
 * one whose hash is @hash: its pages say nothing about this scenario (`verify --stored` exits EXIT_STALE).
 */
export class StaleObservation extends Error {
  constructor(
    readonly file: string,
    readonly hash: string,
    readonly storedHash: string,
  ) {
    super(`${file}: stale observation: scenario hash ${hash}, stored ${storedHash}`)
    this.name = 'StaleObservation'
  }
}

/** storedPath - the stored kernel observation of scenario file @file: NAME.kernel.json beside it. */
export function storedPath(file: string): string {
  return file.replace(/\.scenario$/, '') + '.kernel.json'
}

/**
 * verdictLines - the herd7/klitmus7-style report of one scenario: `Test NAME Agree|Differ`, checks and
 * pages compared, the normalised scenario's hash; then one line per difference: check line, process,
 * mapping, page offset, field, model value, kernel value.
 */
export function verdictLines(name: string, hash: string, c: Comparison, against: string): string[] {
  const out = [`Test ${name} ${c.agree ? 'Agree' : 'Differ'} (${c.checks} checks, ${c.pages} pages vs ${against}) Hash=${hash}`]
  for (const d of c.differences) {
    const where = d.proc === '' ? '' : ` ${d.proc}${d.mapping === '' ? '' : ` ${d.mapping}${d.off < 0 ? '' : ` +0x${d.off.toString(16)}`}`}`
    out.push(`  line ${d.line}${where} ${d.field}: model ${d.model} kernel ${d.kernel}`)
  }
  return out
}

async function verifyOne(file: string, o: VerifyOptions, results: VerifyResult[], io: CliIo): Promise<number> {
  const s = await readParsedScenario(file, io)
  const model = simulate(s).observation
  let kernel: ObservationDocument
  if (o.stored) {
    const p = storedPath(file)
    if (!existsSync(inCwd(io, p))) throw new UserError(`${file}: no stored kernel observation ${p}`)
    try {
      kernel = JSON.parse(readFileSync(inCwd(io, p), 'utf8')) as ObservationDocument
    } catch (e) {
      throw new UserError(`${p}: ${(e as Error).message}`)
    }
  } else {
    kernel = await observeLive(s, { note: (m) => io.stderr.write(`mmsim: ${file}: ${m}\n`) })
  }
  const hash = scenarioHash(s.statements)
  // an observation without a hash predates the field: its pages are compared as before
  if (kernel.scenarioHash !== undefined && kernel.scenarioHash !== hash) throw new StaleObservation(file, hash, kernel.scenarioHash)
  const c = compareObservations(model, kernel)
  const against = o.stored ? 'stored' : `kernel ${kernel.detail}`
  if (o.json) results.push({ file, name: s.name, hash, verdict: c.agree ? 'Agree' : 'Differ', against, ...c })
  else io.stdout.write(verdictLines(s.name, hash, c, against).join('\n') + '\n')
  return c.agree ? 0 : 1
}

/**
 * verifyHandler - `mmsim verify [--stored] FILE.scenario…`: compare the model with the live kernel (or
 * the stored observations). Exit 0 when all agree, 1 when any differs, 3 (EXIT_STALE) when a stored
 * observation carries another scenario hash than the scenario's (one line `stale observation: scenario
 * hash X, stored Y` on stdout instead of page differences), 2 on usage/environment errors; each is
 * reported per scenario and the other scenarios still run; the status is the first of 2, 3, 1, 0 that
 * applies.
 */
export async function verifyHandler(files: string[], o: VerifyOptions, io: CliIo): Promise<void> {
  if (!o.stored) {
    const problem = liveKernelProblem()
    if (problem) throw new UserError(`${problem} (use --stored to compare with the stored observations)`)
  }
  let differ = false
  let stale = false
  let failed = false
  const results: VerifyResult[] = []
  for (const f of files) {
    try {
      if ((await verifyOne(f, o, results, io)) !== 0) differ = true
    } catch (e) {
      if (e instanceof StaleObservation) {
        // the scenario's answer, in place of its verdict and differences: stdout
        if (!o.json) io.stdout.write(`${e.message}\n`)
        else results.push({ file: f, error: e.message, stale: true, hash: e.hash, storedHash: e.storedHash })
        stale = true
        continue
      }
      if (!(e instanceof UserError) && !(e instanceof Error && e.name === 'LiveKernelError')) throw e
      io.stderr.write(`mmsim: ${e.message}\n`)
      if (o.json) results.push({ file: f, error: e.message })
      failed = true
    }
  }
  const status = failed ? 2 : stale ? EXIT_STALE : differ ? 1 : 0
  if (o.json) io.stdout.write(jsonDocument('verify', { against: o.stored ? 'stored' : 'kernel', agree: status === 0, results }))
  io.exitCode = status
}

/** register - `mmsim verify`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description('compare the simulated kernel with the live kernel (or --stored observations), one verdict per scenario')
    .argument('<files...>', 'scenario files (.scenario)')
    .option('--stored', 'compare with the stored NAME.kernel.json beside each scenario instead of the live kernel (exit 3: it was recorded from another scenario text)')
    .option('--json', 'print the verdicts as JSON (docs/schemas/verify.schema.json); errors are still reported on stderr')
    .action((files: string[], o: VerifyOptions) => verifyHandler(files, o, io))
}
