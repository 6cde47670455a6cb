/**
 * ScenarioError - a scenario file is invalid (syntax, unknown name, range outside its mapping, ...).
 * Printed as `file:line: message`; nothing of the scenario runs when one is raised.
 * @file: the file name given to parseScenario()
 * @line: 1-based line of the offending statement
 * @detail: the message alone, naming what was expected
 */
export class ScenarioError extends Error {
  /** userMessage - the one-line form the CLI prints (see cli/src/runMain.ts). */
  readonly userMessage: string
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`)
    this.name = 'ScenarioError'
    this.userMessage = this.message
  }
}
