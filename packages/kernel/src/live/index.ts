/**
 * Live-kernel oracle: runs parsed scenarios on this machine's kernel through tools/kernel-runner.
 *
 * API summary:
 * - observeLive(parsed, {attempts?, note?}): Promise<ObservationDocument> — knobs set, run, knobs restored.
 * - liveKernelProblem(): string | null — why the live kernel is unavailable (one line), or null.
 * - readJournal() / restoreJournal(j) — put knobs back after a killed run (`mmsim kernel restore`).
 * - canonicalJson(doc) — the stored/printed form of an observation document.
 */
export { observeLive } from './observeLive.ts'
export type { LiveOptions } from './observeLive.ts'
export { liveKernelProblem, liveKernelTestsProblem } from './liveEnvironment.ts'
export { HugetlbPoolUnusable, LiveKernelError, NoValidObservation } from './liveKernelError.ts'
export { canonicalJson } from './observation.ts'
export type { ObservationDocument, CheckObservation, PageObservation, PresentPage, AbsentPage, RefusedOp } from './observation.ts'
export { journalOwnerAlive, journalPath, readJournal, restoreJournal, restoreLeftJournal } from './knobJournal.ts'
export type { KnobJournal } from './knobJournal.ts'
export { HGM_MODEL_ONLY, knobPlan, readKnob } from './knobs.ts'
export type { KnobWrite } from './knobs.ts'
export { RUNNER_PATH } from './runnerClient.ts'
export { boostKhugepaged } from './khugepagedQuiet.ts'
