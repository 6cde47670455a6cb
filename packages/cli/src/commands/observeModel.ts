import { parseScenario, type ObservationDocument } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { simulate } from './scenarioInput.ts'
import { strategyObserver } from './strategyObserver.ts'

/**
 * observeModel - `mmsim observe FILE.scenario` without --kernel: the simulated Linux 6.18 kernel's
 * observation document of scenario @text (source `model`); with @strategy, kpagecount and pagemap bit 56 as
 * that mapcount scheme would report them. Parse errors are `file:line: message`.
 */
export async function observeModel(text: string, file: string, strategy?: string): Promise<ObservationDocument> {
  let parsed
  try {
    parsed = parseScenario(text, file)
  } catch (e) {
    throw new UserError((e as Error).message)
  }
  return simulate(parsed, strategy === undefined ? null : await strategyObserver(strategy)).observation
}
