import { ScenarioError } from './scenarioError.ts'
import { ScenarioScope } from './scenarioScope.ts'
import { PAGE_SIZE } from './sizes.ts'
import type { Statement } from './statements.ts'

/**
 * Limits on what a whole scenario may ask for (docs/scenario-language.md §8.4), checked after parsing so that
 * a generated or mistyped scenario is one clear error before anything runs, not minutes of simulation, a
 * multi-gigabyte observation or a live run that fails half-way.
 */

/** MAX_STATEMENTS - statements per scenario (header statements and checks included) */
export const MAX_STATEMENTS = 100_000
/** MAX_FORKS - `fork` statements per scenario: the live runner serves at most 48 processes, one slot each */
export const MAX_FORKS = 47
/** MAX_CHECK_PAGES - pages one check reports: every 4K page of every mapping of every live process */
export const MAX_CHECK_PAGES = 1 << 22

/**
 * checkScenarioLimits - the first statement of @statements (parsed from @file) past a limit, as a
 * ScenarioError `FILE:LINE: …` naming the limit.
 * @throws ScenarioError
 */
export function checkScenarioLimits(file: string, statements: readonly Statement[]): void {
  if (statements.length > MAX_STATEMENTS) {
    throw new ScenarioError(file, statements[MAX_STATEMENTS]!.line, `a scenario of at most ${MAX_STATEMENTS} statements is supported, this one has ${statements.length}`)
  }
  const scope = new ScenarioScope()
  let forks = 0
  for (const st of statements) {
    if (st.op === 'fork' && ++forks > MAX_FORKS) throw new ScenarioError(file, st.line, `a scenario may fork at most ${MAX_FORKS} times (the live runner has ${MAX_FORKS + 1} process slots)`)
    if (st.op === 'check') {
      let pages = 0
      for (const proc of scope.liveProcs()) for (const m of scope.mappings(proc).values()) pages += m.size / PAGE_SIZE
      if (pages > MAX_CHECK_PAGES) {
        throw new ScenarioError(file, st.line, `a check reports every page of every live process's mappings: ${pages} here, at most ${MAX_CHECK_PAGES} (16G of mappings) are supported`)
      }
    }
    scope.apply(st)
  }
}
