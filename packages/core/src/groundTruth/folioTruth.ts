import type { FolioKind, Pfn, Pid } from '../events/common.ts'
import { trieGet } from '../state/cowTrie.ts'
import type { FolioRec, MmState } from '../state/mmState.ts'
import { MAX_FOLIO_ORDER } from '../rules/pageTableGeometry.ts'
import { alignedHead } from '../rules/folioHead.ts'

/**
 * FolioTruth - what the page tables say about one folio: the oracle every mapcount scheme is judged by.
 * @mapcount: entries mapping any page of the folio (a PTE, PMD or PUD counts once: folio_mapcount()'s sense)
 * @pageMapcounts: per page, the entries mapping it (a PTE for its page, a PMD/PUD for every page it covers)
 * @mappedShared: more than one process maps it
 * @partiallyMapped: some but not all pages are mapped, and no PMD/PUD maps it whole
 */
export interface FolioTruth {
  folio: Pfn
  order: number
  kind: FolioKind
  mapcount: number
  entireMapcount: number
  pagesMapped: number
  processes: Pid[]
  mappedShared: boolean
  partiallyMapped: boolean
  anonExclusive: boolean[]
  hvo: boolean
}

/** folioAt - the live folio containing page @pfn (folios are naturally aligned), or undefined. */
export function folioAt(state: MmState, pfn: Pfn): FolioRec | undefined {
  for (let o = 0; o <= MAX_FOLIO_ORDER; o++) {
    const f = trieGet(state.folios, alignedHead(pfn, o))
    if (f !== undefined && f.order >= o && f.pfn + 2 ** f.order > pfn) return f
  }
  return undefined
}

/**
 * pageMapcount - entries mapping page @pfn: its PTEs and HGM PMDs (counted per page in pageMaps) plus the
 * PMD/PUD entries mapping its whole folio. 0 if not allocated.
 */
export function pageMapcount(state: MmState, pfn: Pfn): number {
  const f = folioAt(state, pfn)
  if (f === undefined) return 0
  return (f.pageMaps?.[pfn - f.pfn] ?? 0) + f.entire
}

/** folioTruth - the ground truth of folio @folio (head PFN), or undefined when it is not allocated. */
export function folioTruth(state: MmState, folio: Pfn): FolioTruth | undefined {
  const f = trieGet(state.folios, folio)
  return f === undefined ? undefined : truthOf(f)
}

/** truthOf - the ground truth of folio record @f. */
export function truthOf(f: FolioRec): FolioTruth {
  const nr = 2 ** f.order
  const processes: Pid[] = []
  for (let i = 0; i < f.owners.length; i += 2) processes.push(f.owners[i]!)
  const anonExclusive: boolean[] = []
  for (let i = 0; i < nr; i++) anonExclusive.push(f.exclusive?.[i] === 1)
  return {
    folio: f.pfn,
    order: f.order,
    kind: f.kind,
    mapcount: f.entire + f.ptes + f.hgmPmds,
    entireMapcount: f.entire,
    pagesMapped: f.entire > 0 ? nr : f.pagesMapped,
    processes,
    mappedShared: processes.length > 1,
    partiallyMapped: f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < nr,
    anonExclusive,
    hvo: f.hvo,
  }
}
