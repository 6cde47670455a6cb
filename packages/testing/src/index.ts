export { given } from './given.ts'
export { rng, SyntheticWorkload, syntheticEvents } from './syntheticWorkload.ts'
export { mixedEvents } from './mixedWorkload.ts'
export { checkStream, ContractFailure, describeStrategyContract } from './strategyContract.ts'
export type { ContractStrategy } from './strategyContract.ts'

// Public API not (yet) imported by name elsewhere: the option types of the functions above.
/** @public options of SyntheticWorkload and syntheticEvents */
export type { WorkloadOptions } from './syntheticWorkload.ts'
/** @public options of mixedEvents */
export type { MixedWorkloadOptions } from './mixedWorkload.ts'
/** @public options of describeStrategyContract */
export type { ContractOptions } from './strategyContract.ts'
