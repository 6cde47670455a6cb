import type { Level } from '@mmsim/core'
import type { FolioState } from '../folioState.ts'
import { precisePageMapcount } from './pageMapcount.ts'

/**
 * pagemapExclusiveByHead - pagemap bit 56 (≤ v6.10, v6.15+; docs/kernel-behaviour.md verified #2): a PTE
 * by its own page's page_mapcount() == 1; a PMD by the head's, for all 512 entries (`page`, not `page + idx`).
 */
export const pagemapExclusiveByHead = (f: FolioState, i: number, level: Level): boolean =>
  precisePageMapcount(f, level === 'pte' ? i : 0) === 1

/**
 * pagemapExclusivePerPage - pagemap bit 56 in v6.11–v6.14 (2c1f057e5be6): every entry of a PMD mapping by
 * its own page's precise mapcount, and only while the folio is PMD-mapped.
 */
export const pagemapExclusivePerPage = (f: FolioState, i: number, level: Level): boolean =>
  precisePageMapcount(f, i) === 1 && (level === 'pte' || f.entire >= 0)
