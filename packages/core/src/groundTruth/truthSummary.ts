import { trieForEach } from '../state/cowTrie.ts'
import type { MmState } from '../state/mmState.ts'
import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'

/** TruthSummary - the ground truth of a whole state, aggregated. */
export interface TruthSummary {
  processes: number
  vmas: number
  /** present entries by level */
  entries: { pte: number; pmd: number; pud: number }
  folios: number
  /** live folios by kind */
  foliosByKind: Record<string, number>
  mappedFolios: number
  /** folios mapped by more than one process */
  mappedSharedFolios: number
  /** folios some but not all of whose pages are mapped, by no PMD/PUD */
  partiallyMappedFolios: number
  /** sum over pages of their mapcount (a PMD counts for each page it covers) */
  pageMapcountSum: number
  /** HugeTLB folios with their vmemmap optimized */
  hvoFolios: number
}

/** truthSummary - aggregate ground truth of @state. */
export function truthSummary(state: MmState): TruthSummary {
  const s: TruthSummary = {
    processes: 0, vmas: 0, entries: { pte: 0, pmd: 0, pud: 0 }, folios: 0, foliosByKind: {}, mappedFolios: 0,
    mappedSharedFolios: 0, partiallyMappedFolios: 0, pageMapcountSum: 0, hvoFolios: 0,
  }
  for (const p of Object.values(state.procs)) {
    s.processes++
    s.vmas += p.vmas.length
  }
  trieForEach(state.folios, (_k, f) => {
    const nr = 2 ** f.order
    s.folios++
    s.foliosByKind[f.kind] = (s.foliosByKind[f.kind] ?? 0) + 1
    if (f.entire + f.ptes + f.hgmPmds > 0) s.mappedFolios++
    if (f.owners.length > 2) s.mappedSharedFolios++
    if (f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < nr) s.partiallyMappedFolios++
    s.pageMapcountSum += f.ptes + f.entire * nr + f.hgmPmds * PTRS_PER_PTE
    if (f.hvo) s.hvoFolios++
    if (f.order === HPAGE_PMD_ORDER) s.entries.pmd += f.entire
    else if (f.order === HPAGE_PUD_ORDER) s.entries.pud += f.entire
    s.entries.pte += f.ptes
    s.entries.pmd += f.hgmPmds // HGM PMDs, each mapping 2 MiB of a 1 GiB HugeTLB folio
  })
  return s
}
