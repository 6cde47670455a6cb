import { parseScenario } from '@mmsim/kernel'
import { readTraceSync } from '@mmsim/trace'
import { HeldLocks, lockEraOf, statementOps } from './heldLocks.ts'

/** DEFAULT_LOCK_ERA - the era `replay --locks` models without `--strategy`: 6.18, the simulated kernel's. */
const DEFAULT_LOCK_ERA = 618

/**
 * lockModelsFor - one {@link HeldLocks} per distinct era of the schemes @schemeIds (none: the simulated
 * kernel's, 6.18), for trace @file: the statements are taken from the scenario in its header when it keeps
 * one (a recorded scenario), otherwise events have no statement (page-table and folio locks only).
 * @returns the models and, per model, the ids it stands for
 */
export function lockModelsFor(file: string, schemeIds: readonly string[]): { model: HeldLocks; schemes: string[] }[] {
  let ops: ReturnType<typeof statementOps> | null = null
  for (const item of readTraceSync(file, { salvage: true })) {
    if (item.kind !== 'header') continue
    const src = item.header.source
    if (src.kind === 'scenario' && src.text !== undefined) {
      try {
        ops = statementOps(parseScenario(src.text, `${src.name ?? 'trace'}.scenario`))
      } catch {
        ops = null // a header scenario this version cannot parse: no statements
      }
    }
    break
  }
  const byEra = new Map<number, string[]>()
  for (const id of schemeIds.length === 0 ? [] : schemeIds) {
    const era = lockEraOf(id)
    byEra.set(era, [...(byEra.get(era) ?? []), id])
  }
  if (byEra.size === 0) byEra.set(DEFAULT_LOCK_ERA, [])
  return [...byEra].sort(([a], [b]) => a - b).map(([era, schemes]) => ({ model: new HeldLocks(era, ops), schemes }))
}
