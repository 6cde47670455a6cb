/**
 * Live-kernel oracle: runs parsed scenarios on this machine's kernel through tools/kernel-runner.
 *
 * API summary:
 * - observeLive(parsed, {attempts?, note?}): Promise<ObservationDocument> — knobs set, run, knobs restored.
 * - liveKernelProblem(): string | null — why the live kernel is unavailable (one line), or null.
 * - readJournal() / restoreLeftJournal() — put knobs back after a killed run (`mmsim kernel restore`).
 * - canonicalJson(doc) — the stored/printed form of an observation document.
 */
export { observeLive } from './observeLive.ts'
export { liveKernelProblem, liveKernelTestsProblem } from './liveEnvironment.ts'
export { LiveKernelError, NoValidObservation } from './liveKernelError.ts'
export { canonicalJson } from './observation.ts'
export type { ObservationDocument, PageObservation } from './observation.ts'
export { journalOwnerAlive, journalPath, readJournal, restoreLeftJournal } from './knobJournal.ts'
export { HGM_MODEL_ONLY, knobPlan, readKnob } from './knobs.ts'
export { boostKhugepaged } from './khugepagedQuiet.ts'

// Public API not (yet) imported by name elsewhere: option and result types of the functions above.
/** @public options of observeLive */
export type { LiveOptions } from './observeLive.ts'
/** @public what readJournal returns */
export type { KnobJournal } from './knobJournal.ts'
/** @public what knobPlan returns */
export type { KnobWrite } from './knobs.ts'
