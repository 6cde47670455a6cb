// For scenario parser tests: the one-line message a text is refused with.
import { expect } from 'vitest'
import { parseScenario } from './parseScenario.ts'
import { ScenarioError } from './scenarioError.ts'

/** scenarioErrorOf - the ScenarioError message parseScenario() refuses @text with (as file x.scenario); throws if it accepts it. */
export function scenarioErrorOf(text: string): string {
  try {
    parseScenario(text, 'x.scenario')
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError)
    return (e as ScenarioError).message
  }
  throw new Error('expected an error')
}
