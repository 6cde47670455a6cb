import type { FolioKind, Pfn } from '../events/common.ts'
import { CHUNK_PAGES, KIND_NAMES, MAX_PFN } from './folioStore.ts'
import type { TruthCheckpoint, TruthState } from './truthState.ts'

const MASK = CHUNK_PAGES - 1

/**
 * TruthFolioView - one live folio of a {@link TruthState} (or checkpoint) seen in place, for code that asks
 * about a folio after every event (bisect, diff, inspect): {@link at} moves the view to a folio and
 * allocates nothing. The per-folio words are read at {@link at}; @pageMaps / @exclusive read the state
 * when called, so use the view before the next event is applied.
 */
export class TruthFolioView {
  pfn: Pfn = -1
  order = 0
  kind: FolioKind = 'anon'
  /** PMD / PUD entries mapping the whole folio */
  entire = 0
  /** PTEs mapping pages of the folio */
  ptes = 0
  /** pages with at least one PTE (or HGM PMD) */
  pagesMapped = 0
  /** HGM PMD entries mapping a 2 MiB piece of the folio */
  hgmPmds = 0
  /** distinct processes mapping the folio */
  owners = 0
  hvo = false

  constructor(private readonly t: Pick<TruthState, 'folios'> | TruthCheckpoint) {}

  /** at - view folio @head (head PFN); @returns this, or undefined when no live folio has that head. */
  at(head: Pfn): this | undefined {
    if (!(head >= 0 && head <= MAX_PFN)) return undefined
    const order = this.t.folios.headOrder(head)
    if (order < 0) return undefined
    const c = this.t.folios.chunk(head)!
    const j = head & MASK
    this.pfn = head
    this.order = order
    this.kind = KIND_NAMES[c.kind[j]!]!
    this.entire = c.entire[j]!
    this.ptes = c.ptes[j]!
    this.pagesMapped = c.mapped[j]!
    this.hgmPmds = c.hgmPmdsAt(j)
    this.owners = c.owners[j]!
    this.hvo = c.hvo[j] === 1
    return this
  }

  /** pageMaps - PTEs (and HGM PMDs) mapping page @i of the folio. */
  pageMaps(i: number): number {
    const p = this.pfn + i
    return this.t.folios.chunk(p)!.maps[p & MASK]!
  }

  /** exclusive - PageAnonExclusive of page @i of the folio. */
  exclusive(i: number): boolean {
    const p = this.pfn + i
    return this.t.folios.chunk(p)!.excl[p & MASK] === 1
  }
}
