/**
 * Scenario language (contract v1: shared/contracts/scenario.md, extensions: traces/scenarios/README.md).
 *
 * API summary:
 * - parseScenario(text, fileName): ParsedScenario — {file, name, statements, knobs}; throws
 *   ScenarioError (scenarioError.ts) {file, line, detail, message: "file:line: detail"} at the first error.
 * - Statement — discriminated union on `op`: 'scenario' | 'set' | 'check' | 'mmap' | 'munmap' | 'read'
 *   | 'write' | 'punch' | 'continue' | 'fork' | 'exit' | 'madvise' | 'mremap' | 'mprotect'. Each has
 *   `line`; process statements have `proc` ('p0', …); ranges are ByteRange {mapping, offset, length}
 *   in bytes, already checked against the mapping; sizes/skews in bytes.
 * - ScenarioScope — replay statements with scope.apply(st) to know live processes and, per process,
 *   MappingInfo {size, kind, sharing, skew, slot, file, fileOffset} (mremap targets, fork inheritance).
 * - KnobSettings / effectiveKnobs / mthpPolicy / shmemMthpPolicy — knob values with contract defaults.
 * - printScenario(statements) / printStatement(st) — canonical text; print→parse is the identity.
 * - sizeKbName / PAGE_SIZE.
 */
export { parseScenario } from './parseScenario.ts'
export type { ParsedScenario } from './parseScenario.ts'
export { ScenarioScope } from './scenarioScope.ts'
export type { MappingInfo } from './scenarioScope.ts'
export { effectiveKnobs, mthpPolicy, shmemMthpPolicy } from './knobSettings.ts'
export { printScenario, printStatement } from './printScenario.ts'
export { sizeKbName, PAGE_SIZE } from './sizes.ts'
export type * from './statements.ts'

/** @public what effectiveKnobs returns (knobPlan's input) */
export type { KnobSettings } from './knobSettings.ts'
