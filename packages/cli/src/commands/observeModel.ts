import { parseScenario, scenarioHash, type ObservationDocument } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { simulate } from './scenarioInput.ts'
import { strategyObserver } from './strategyObserver.ts'

/**
 * observeModel - `mmsim observe FILE.scenario` without --kernel: the simulated Linux 6.18 kernel's
 * observation document of scenario @text (source `model`); with @strategy, kpagecount and pagemap bit 56 as
 * that mapcount scheme would report them (a ./plugin.js relative to @cwd); `scenarioHash` names the scenario. Parse errors are `file:line: message`.
 */
export async function observeModel(text: string, file: string, strategy: string | undefined, cwd: string): Promise<ObservationDocument> {
  let parsed
  try {
    parsed = parseScenario(text, file)
  } catch (e) {
    throw new UserError((e as Error).message)
  }
  const doc = simulate(parsed, strategy === undefined ? null : await strategyObserver(strategy, cwd)).observation
  return { ...doc, scenarioHash: scenarioHash(parsed.statements) }
}
