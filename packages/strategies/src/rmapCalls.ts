import { OP } from './eventOp.ts'

/**
 * RmapEra - how the kernels of a scheme's era call the rmap functions for one event (the events are the
 * 6.18 simulator's, batched wherever 6.18 batches; @nrPages is the batch). Verified in the sources:
 * @RMAP_ERA_61: ≤ v6.1. Page interface (page_add_anon_rmap(), page_remove_rmap(page, vma, compound),
 *   page_try_dup_anon_rmap(), page_dup_file_rmap(), page_add_file_rmap()), one call per PTE in
 *   zap_pte_range() and copy_present_pte(). __split_huge_pmd_locked() open-codes the remap: an
 *   `atomic_inc(&page[i]._mapcount)` per PTE and the compound_mapcount decrement ("Above is effectively
 *   page_remove_rmap(page, vma, true)", mm/huge_memory.c of 6.1) — no rmap call at all.
 * @RMAP_ERA_62: v6.2–v6.7. Page interface as 6.1; Hugh Dickins' "mm,thp,rmap: simplify compound page
 *   mapcount handling" (v6.2) made the remap loop call page_add_anon_rmap(page + i, vma, addr, RMAP_NONE)
 *   per PTE, then page_remove_rmap(page, vma, true): 512 + 1 calls. File PTEs one page_add_file_rmap() each
 *   (do_set_pte(), v6.2; v6.6 batched them into folio_add_file_rmap_range(), not modelled here).
 * @RMAP_ERA_68: v6.8. The folio interface of the rmap overhaul (folio + page + nr); its only batched
 *   callers are __split_huge_pmd_locked() (one folio_add_anon_rmap_ptes(folio, page, HPAGE_PMD_NR, …), then
 *   folio_remove_rmap_pmd(): 2 calls) and set_pte_range() (folio_add_file_rmap_ptes()). zap_pte_range()
 *   still calls folio_remove_rmap_pte() and copy_present_pte() folio_try_dup_anon_rmap_pte() /
 *   folio_dup_file_rmap_pte() once per PTE (their batching, "mm/memory: optimize fork() / unmap/zap with
 *   PTE-mapped THP", came in v6.9).
 * @RMAP_ERA_BATCHED: v6.9+. Every `_ptes` batch the simulator emits is one call.
 */
export const RMAP_ERA_61 = 0
export const RMAP_ERA_62 = 1
export const RMAP_ERA_68 = 2
export const RMAP_ERA_BATCHED = 3
export type RmapEra = typeof RMAP_ERA_61 | typeof RMAP_ERA_62 | typeof RMAP_ERA_68 | typeof RMAP_ERA_BATCHED

const C_newAnon = OP['rmap/newAnonAdded']
const C_anonAdded = OP['rmap/anonAdded']
const C_fileAdded = OP['rmap/fileAdded']
const C_removed = OP['rmap/removed']
const C_anonDup = OP['rmap/anonDuplicated']
const C_fileDup = OP['rmap/fileDuplicated']
const C_anonShared = OP['rmap/anonShared']
const C_remapped = OP['pmd/remapped']
const C_hugetlbAdded = OP['hugetlb/rmapAdded']
const C_hugetlbRemoved = OP['hugetlb/rmapRemoved']
const C_hugetlbDup = OP['hugetlb/anonDuplicated']

/**
 * rmapCallsOf - kernel rmap function calls the kernels of @era make for one event of EVENT_TYPES index
 * @code covering @nrPages pages at level @pte (true: PTEs) of a folio of @folioPages pages (pmd/remapped).
 * A batched `_ptes` call counts once; a PMD/PUD entry and every HugeTLB entry is one call;
 * folio_try_share_anon_rmap_pte() has no batched form (one call per page in every era); wp_page_reuse
 * (rmap/anonReused), folio life-cycle and marker events make none.
 * @returns the number of calls (an integer ≥ 0)
 */
export function rmapCallsOf(era: RmapEra, code: number, nrPages: number, pte: boolean, folioPages: number): number {
  switch (code) {
    case C_newAnon:
    case C_hugetlbAdded:
    case C_hugetlbRemoved:
    case C_hugetlbDup:
      return 1
    case C_anonAdded:
    case C_removed:
    case C_anonDup:
    case C_fileDup:
      if (!pte) return 1
      return era === RMAP_ERA_BATCHED ? 1 : nrPages
    case C_fileAdded:
      if (!pte) return 1
      return era >= RMAP_ERA_68 ? 1 : nrPages
    case C_anonShared:
      return nrPages
    case C_remapped:
      return era === RMAP_ERA_61 ? 0 : era === RMAP_ERA_62 ? folioPages + 1 : 2
    default:
      return 0
  }
}

/**
 * folioLookupsOf - page→folio conversions that cost a second struct page, for one event whose rmap calls
 * (see {@link rmapCallsOf}) the kernels of @era make: a page-interface call (≤ v6.7) derives the folio of
 * the page it is given with `compound_head()` / `page_folio()`, and for a *tail* page that is a load of
 * `page->compound_head` and then of the head page's line; for a head page or an order-0 page it is the page
 * itself (bit 0 clear) and is not counted. A folio-interface call (v6.8+) is handed the folio: none. Counted
 * once per call — a lower bound: the page-flag helpers of the 6.2-era calls (PageAnon(), lock_page_memcg())
 * convert again.
 * @large: the folio has more than one page; @headInRange: the event's pages include the folio's head
 * @returns the number of tail-page conversions
 */
export function folioLookupsOf(era: RmapEra, code: number, nrPages: number, pte: boolean, large: boolean, headInRange: boolean, folioPages: number): number {
  if (era > RMAP_ERA_62 || !large) return 0
  if (code === C_remapped) return era === RMAP_ERA_62 ? folioPages - 1 : 0 // page_add_anon_rmap(page + i) for i ≥ 1
  if (!pte) return 0
  switch (code) {
    case C_anonAdded:
    case C_fileAdded:
    case C_removed:
    case C_anonDup:
    case C_fileDup:
    case C_anonShared:
      return nrPages - (headInRange ? 1 : 0)
    default:
      return 0
  }
}
