import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildKernelSidecar, readKernelSidecar, type KernelSidecar } from '@mmsim/analysis'
import { printScenario, type ObservationDocument } from '@mmsim/kernel'
import { loadStrategies, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { DEFAULT_FRAME_EVENTS, optionalStructures, TraceWriter } from '@mmsim/trace'
import { inCwd, type InputIo } from './cliIo.ts'
import { inputTrace } from './inputTrace.ts'
import { UserError } from './userError.ts'
import { readParsedScenario, simulate } from './commands/scenarioInput.ts'

/** AnalysisInput - a trace to analyse (recorded on the fly for a scenario) and its kernel observations, when any. */
export interface AnalysisInput {
  path: string
  kernel: KernelSidecar | null
  cleanup(): void
}

/**
 * analysisInput - the `.mmtrace` behind argument @arg (relative to @io.cwd, `-`: @io.stdin) of
 * diff/bisect/inspect: a `.scenario` is run on the simulated kernel into a temporary trace (its kernel
 * observations: the stored NAME.kernel.json beside it), a `.jsonl` is converted, a trace is used as it is
 * (its kernel observations: the sidecar of `record --kernel`).
 */
export async function analysisInput(arg: string, io: InputIo): Promise<AnalysisInput> {
  if (!arg.endsWith('.scenario')) {
    const t = await inputTrace(arg, io)
    let kernel: KernelSidecar | null = null
    try {
      kernel = readKernelSidecar(inCwd(io, arg))
    } catch (e) {
      throw new UserError((e as Error).message)
    }
    return { path: t.path, kernel, cleanup: t.cleanup }
  }
  const s = await readParsedScenario(arg, io)
  const r = simulate(s)
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-'))
  const path = join(dir, 'scenario.mmtrace')
  const w = new TraceWriter(path, { kind: 'scenario', name: s.name, text: printScenario(s.statements), detail: r.observation.detail }, DEFAULT_FRAME_EVENTS, optionalStructures(r.events.map((e) => e.type)))
  w.writeAll(r.events)
  w.close()
  const stored = arg.replace(/\.scenario$/, '') + '.kernel.json'
  let kernel: KernelSidecar | null = null
  if (existsSync(inCwd(io, stored))) {
    try {
      kernel = buildKernelSidecar(s, JSON.parse(readFileSync(inCwd(io, stored), 'utf8')) as ObservationDocument)
    } catch (e) {
      throw new UserError(`${stored}: ${(e as Error).message}`)
    }
  }
  return { path, kernel, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** oneStrategy - the single scheme named by @spec (an id or a ./plugin.js exporting one scheme, relative to @cwd) for option @opt. */
export async function oneStrategy(spec: string, opt: string, cwd: string): Promise<AnyStrategy> {
  let list: AnyStrategy[]
  try {
    list = await loadStrategies(spec, cwd)
  } catch (e) {
    if (e instanceof StrategyLoadError) throw new UserError(e.message)
    throw e
  }
  if (list.length !== 1) throw new UserError(`${opt} takes one scheme, got ${list.length} from '${spec}'`)
  return list[0]!
}
