import { cloneCostTable, type CostTable } from './costs.ts'
import type { FolioState } from './folioState.ts'

/**
 * SchemeState - a built-in scheme's whole state: its folios by head PFN, its cost table and its
 * "Bad page state" reports. Mutable (style.md §3.6 opt-out of immer); {@link clone} is the snapshot.
 */
export class SchemeState {
  folios = new Map<number, FolioState>()
  costs: CostTable = new Map()
  badFrees: string[] = []

  clone(): SchemeState {
    const c = new SchemeState()
    for (const [k, f] of this.folios) c.folios.set(k, f.clone())
    c.costs = cloneCostTable(this.costs)
    c.badFrees = this.badFrees.slice()
    return c
  }

  /** folioOf - the folio containing page @pfn (folios are naturally aligned) and the page's index in it. */
  folioOf(pfn: number): { f: FolioState; head: number; i: number } | undefined {
    for (let o = 0; o <= 18; o++) {
      const head = pfn - (pfn % 2 ** o)
      const f = this.folios.get(head)
      if (f !== undefined && f.order >= o) return { f, head, i: pfn - head }
    }
    return undefined
  }
}
