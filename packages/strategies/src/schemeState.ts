import { cloneCostTable, type CostTable } from './costs.ts'
import type { FolioKind } from '@mmsim/core'
import { FolioState } from './folioState.ts'

/**
 * SchemeState - a built-in scheme's whole state: its folios by head PFN, its cost table and its
 * "Bad page state" reports. Mutable (style.md §3.6 opt-out of immer); {@link clone} is the snapshot.
 */
export class SchemeState {
  folios = new Map<number, FolioState>()
  costs: CostTable = new Map()
  badFrees: string[] = []
  /** freed folios kept for reuse, by order (not part of the state: a clone starts without) */
  private readonly pool = new Map<number, FolioState[]>()

  /** newFolio - a fresh folio of @kind and @order, reusing a freed one's arrays when there is one */
  newFolio(kind: FolioKind, order: number): FolioState {
    const f = this.pool.get(order)?.pop()
    if (f === undefined) return new FolioState(kind, order)
    f.reset(kind, true)
    return f
  }

  /** releaseFolio - @f was freed and is referenced by nothing any more; @clean as for FolioState.reset */
  releaseFolio(f: FolioState, clean: boolean): void {
    if (f.order > 9) return
    let list = this.pool.get(f.order)
    if (list === undefined) this.pool.set(f.order, (list = []))
    if (list.length >= 4096) return
    if (!clean && f.mc !== null) f.mc.fill(-1)
    list.push(f)
  }

  clone(): SchemeState {
    const c = new SchemeState()
    for (const [k, f] of this.folios) c.folios.set(k, f.clone())
    c.costs = cloneCostTable(this.costs)
    c.badFrees = this.badFrees.slice()
    return c
  }

  /** folioOf - the folio containing page @pfn (folios are naturally aligned) and the page's index in it. */
  folioOf(pfn: number): { f: FolioState; head: number; i: number } | undefined {
    // consecutive queries mostly hit one folio: try the last one first (still live, still covering pfn)
    const c = this.lastFolio
    if (c !== null && pfn >= c.head && pfn < c.head + 2 ** c.f.order && this.folios.get(c.head) === c.f) {
      return { f: c.f, head: c.head, i: pfn - c.head }
    }
    let prev = -1
    for (let o = 0; o <= 18; o++) {
      const head = pfn - (pfn % 2 ** o)
      if (head === prev) continue
      prev = head
      const f = this.folios.get(head)
      if (f !== undefined && f.order >= o) {
        this.lastFolio = { f, head }
        return { f, head, i: pfn - head }
      }
    }
    return undefined
  }

  /** the folio folioOf() found last (a lookup cache, validated on use; not part of the state) */
  private lastFolio: { f: FolioState; head: number } | null = null
}
