import { linux61 } from './linux-6.1/index.ts'
import { linux610 } from './linux-6.10/index.ts'
import { linux612 } from './linux-6.12/index.ts'
import { linux615 } from './linux-6.15/index.ts'
import { linux615NoPageMapcount } from './linux-6.15-no-page-mapcount/index.ts'
import { linux62 } from './linux-6.2/index.ts'
import { linux68 } from './linux-6.8/index.ts'
import { hgmHstateOnce } from './hgm-hstate-once/index.ts'
import { hgmV1 } from './hgm-v1/index.ts'
import { hgmV2ThpLike } from './hgm-v2-thp-like/index.ts'
import { totalMappedPages } from './total-mapped-pages/index.ts'
import { willyVmaPt } from './willy-vma-pt/index.ts'
import type { AnyStrategy } from './strategy.ts'

/** STRATEGIES - the built-in schemes, oldest first, by their stable ids. */
export const STRATEGIES: readonly AnyStrategy[] = [
  linux61, linux62, linux68, linux610, linux612, linux615, linux615NoPageMapcount,
]

/**
 * PROPOSALS - the built-in schemes of proposals no kernel merged (HugeTLB HGM, docs/mapcount-schemes.md §11),
 * runnable by id and by `--strategy proposals`; `all` stays the Linux schemes above.
 */
export const PROPOSALS: readonly AnyStrategy[] = [hgmV1, hgmV2ThpLike, hgmHstateOnce, willyVmaPt, totalMappedPages]

/** STRATEGY_IDS - the ids of {@link STRATEGIES}. */
export const STRATEGY_IDS: readonly string[] = STRATEGIES.map((s) => s.id)

/** PROPOSAL_IDS - the ids of {@link PROPOSALS}. */
export const PROPOSAL_IDS: readonly string[] = PROPOSALS.map((s) => s.id)

/** DEFAULT_STRATEGY_ID - the scheme of the kernel this machine runs (6.18, CONFIG_PAGE_MAPCOUNT=y). */
export const DEFAULT_STRATEGY_ID = 'linux-6.15'

/** strategyById - the built-in strategy @id, or undefined. */
export function strategyById(id: string): AnyStrategy | undefined {
  return STRATEGIES.find((s) => s.id === id) ?? PROPOSALS.find((s) => s.id === id)
}
