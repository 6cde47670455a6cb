import { createHash } from 'node:crypto'
import { printScenario } from '../scenario/printScenario.ts'
import type { Statement } from '../scenario/statements.ts'

/**
 * scenarioHash - the first 8 hex digits of the SHA-256 of the scenario's canonical text (printScenario():
 * comments, blank lines and spelling variants such as `2048K` for `2M` normalised away), so two runs
 * can tell whether they ran the same test (like herd7's `Hash=`).
 */
export function scenarioHash(statements: readonly Statement[]): string {
  return createHash('sha256').update(printScenario(statements)).digest('hex').slice(0, 8)
}
