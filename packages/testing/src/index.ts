export { given } from './given.ts'
export { rng, SyntheticWorkload, syntheticEvents } from './syntheticWorkload.ts'
export type { WorkloadOptions } from './syntheticWorkload.ts'
