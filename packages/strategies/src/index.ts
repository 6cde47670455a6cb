export type { AnyStrategy, StrategyDescription } from './strategy.ts'
export type { CostRow, CostTable } from './costs.ts'
export { emptyCostRow, totalCost } from './costs.ts'
export { FolioState } from './folioState.ts'
export { SchemeState } from './schemeState.ts'
export { SchemeBase } from './schemeBase.ts'
export { PageMapcountScheme } from './pageMapcountScheme.ts'
export { DEFAULT_STRATEGY_ID, PROPOSAL_IDS, PROPOSALS, STRATEGIES, STRATEGY_IDS, strategyById } from './registry.ts'
export { PluginError } from './pluginGuard.ts'
export { StrategySet } from './strategySet.ts'
export type { StrategyRun } from './strategySet.ts'
export { LINUX_615 } from './linux-6.15/index.ts'
export { loadPlugin, loadStrategies, StrategyLoadError } from './loadStrategies.ts'
export { modelledNs, NS_PER } from './modelledNs.ts'
export { observePage } from './pageObservation.ts'

/**
 * @public the plugin API: what a `--strategy ./my-scheme.js` module implements (README.md, Plugins;
 * examples/fileThpEverySubpage.js)
 */
export type { CountQuery, Precision, Strategy, StrategyPrecision, TruthView } from './strategy.ts'
/** @public the definition PageMapcountScheme's constructor takes (a scheme's rule table, e.g. LINUX_615) */
export type { PageMapcountSchemeDef } from './pageMapcountScheme.ts'
/** @public what observePage returns */
export type { PageView } from './pageObservation.ts'
