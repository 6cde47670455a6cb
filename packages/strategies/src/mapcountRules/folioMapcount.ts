import { FOLIO_PAGES_MAPPED, type FolioState } from '../folioState.ts'
import { W } from '../schemeChunk.ts'

/** folioTotalMapcount - folio_total_mapcount() (≤ v6.9): `_entire_mapcount` + 1 plus every page's `_mapcount` + 1, O(N) */
export function folioTotalMapcount(f: FolioState): number {
  let m = f.entire + 1
  if ((f.mapped & FOLIO_PAGES_MAPPED) !== 0) for (let k = f.b, e = f.pi(f.n); k < e; k += W) m += f.w[k]! + 1
  return m
}

/** folioLargeMapcount - folio_mapcount() from v6.10: `_large_mapcount` + 1, O(1) */
export const folioLargeMapcount = (f: FolioState): number => f.large + 1
