import type { FolioState } from '../folioState.ts'

/**
 * precisePageMapcount - page_mapcount() / folio_precise_page_mapcount() of page @i of @f in the per-page
 * `_mapcount` family: max(`_mapcount` + 1, 0), plus `_entire_mapcount` + 1 on a large folio.
 */
export function precisePageMapcount(f: FolioState, i: number): number {
  const own = Math.max(f.mcOf(i) + 1, 0)
  return f.isLarge ? own + f.entire + 1 : own
}
