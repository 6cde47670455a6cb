import { existsSync, readFileSync } from 'node:fs'
import { buildKernelSidecar, sidecarPath, writeKernelSidecar } from '@mmsim/analysis'
import { LiveKernelError, observeLive, scenarioHash, type ObservationDocument, type ParsedScenario } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { inCwd, type CliIo } from '../cliIo.ts'

/**
 * embedKernelObservations - `mmsim record --kernel [--stored]`: observe scenario @s (from @file) on the
 * live kernel, or with @stored take its stored NAME.kernel.json (refused when its scenarioHash is not
 * @s's: a stale observation), and write them as the
 * sidecar of trace @output (`OUTPUT.kernel.json`, read by `bisect --kernel`); @file and @output are relative
 * to @io.cwd. Returns the sidecar's path as the user would name it (beside @output as given).
 */
export async function embedKernelObservations(file: string, s: ParsedScenario, output: string, stored: boolean, io: CliIo): Promise<string> {
  let doc: ObservationDocument
  if (stored) {
    const p = file.replace(/\.scenario$/, '') + '.kernel.json'
    if (!existsSync(inCwd(io, p))) throw new UserError(`${file}: no stored kernel observation ${p}`)
    try {
      doc = JSON.parse(readFileSync(inCwd(io, p), 'utf8')) as ObservationDocument
    } catch (e) {
      throw new UserError(`${p}: ${(e as Error).message}`)
    }
    // an observation of another scenario text would be embedded as this trace's kernel answers
    const hash = scenarioHash(s.statements)
    if (doc.scenarioHash !== undefined && doc.scenarioHash !== hash) throw new UserError(`${file}: stale observation: scenario hash ${hash}, stored ${doc.scenarioHash}`)
  } else {
    try {
      doc = await observeLive(s, { note: (m) => io.stderr.write(`mmsim: ${file}: ${m}\n`) })
    } catch (e) {
      if (e instanceof LiveKernelError) throw new UserError(`${e.message} (use --stored for the stored observations)`)
      throw e
    }
  }
  writeKernelSidecar(inCwd(io, output), buildKernelSidecar(s, doc))
  return sidecarPath(output)
}
