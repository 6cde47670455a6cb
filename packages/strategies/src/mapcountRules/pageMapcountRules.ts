import type { Level } from '@mmsim/core'
import type { EventOp } from '../eventOp.ts'
import type { FolioState } from '../folioState.ts'
import type { RmapEra } from '../rmapCalls.ts'
import type { SchemeState } from '../schemeState.ts'

/**
 * LargeMapcountRule - how a scheme keeps `_large_mapcount` (page[1]): not at all (≤ v6.9), one atomic per
 * rmap call (v6.10–v6.14), or under the `_mm_ids` bit-spinlock with the two MM-owner slots (v6.15+).
 */
export interface LargeMapcountRule {
  /** does the scheme keep `_large_mapcount` (also for HugeTLB, beside `_entire_mapcount`)? */
  readonly tracked: boolean
  /** the `_large_mapcount` update of an add of @d mappings by MM @mm */
  add(f: FolioState, d: number, mm: number): void
  /** the `_large_mapcount` update of a remove of @d mappings by MM @mm */
  sub(f: FolioState, d: number, mm: number): void
  /** folio_set_large_mapcount() of a new anon folio mapped @count times by MM @mm */
  set(f: FolioState, count: number, mm: number): void
  /** the rule's own broken invariants on a large non-HugeTLB folio (MM-owner slots), beside the common ones */
  invariants(f: FolioState): string[]
  /** the rule's own "Bad page state" reason at free time, or null (never a reason for a clean order-0 folio) */
  freeCheck(f: FolioState): string | null
}

/**
 * NrPagesMappedRule - the PTE-level `_mapcount` and `_nr_pages_mapped` updates of a large folio: per newly
 * (un)mapped page (≤ v6.11) or once per batch (v6.12+). Each returns the pages newly (un)accounted.
 */
export interface NrPagesMappedRule {
  /** PTE-level add of pages [i, i + n): per-page `_mapcount`, then `_nr_pages_mapped` */
  map(f: FolioState, i: number, n: number): number
  /** PTE-level remove of pages [i, i + n) */
  unmap(f: FolioState, i: number, n: number): number
}

/**
 * DeferredSplitRule - when a remove queues an anon folio for deferred split, and what
 * folio_test_partially_mapped() answers.
 */
export interface DeferredSplitRule {
  /** the decision after a remove at @level that unaccounted @nr pages (@nrPmdmapped: the folio's pages for a PMD remove that left it unmapped entirely, else 0) */
  queue(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void
  /** the "partially mapped?" answer of a large anon folio; null where the kernel keeps no such state */
  partiallyMapped(f: FolioState): boolean | null
}

/**
 * HugetlbRule - how a scheme counts HugeTLB folios: its huge-size entries (hugetlb_add_*_rmap(),
 * hugetlb_remove_rmap()), high-granularity (HGM) entries inside them (model-only: no Linux kernel has HGM),
 * and its answers on them.
 */
export interface HugetlbRule {
  /** hugetlb_add_new_anon_rmap() / hugetlb_add_anon_rmap() / hugetlb_add_file_rmap() of a huge-size entry */
  add(f: FolioState, mode: 'newAnon' | 'anon' | 'file'): void
  /** hugetlb_remove_rmap() of a huge-size entry */
  remove(f: FolioState): void
  /**
   * an HGM entry of process @e.pid at @e.vpn maps pages [i, i + n) of @f (n = 1: a 4 KiB PTE; 512: a PMD
   * inside a 1 GiB folio); @id names the scheme in a notice when the rule has none for HGM
   */
  hgmAdd(s: SchemeState, f: FolioState, i: number, n: number, e: EventOp, id: string): void
  /** that HGM entry is cleared */
  hgmRemove(s: SchemeState, f: FolioState, i: number, n: number, e: EventOp, id: string): void
  /** folio_mapcount() of a HugeTLB folio */
  folioMapcount(f: FolioState): number
  /** page_mapcount() / kpagecount of page @i */
  pageMapcount(f: FolioState, i: number): number
  /** pages mapped by at least one entry */
  pagesMapped(f: FolioState): number | null
  /** pagemap bit 56 of an entry at @level mapping page @i */
  pagemapExclusive(f: FolioState, i: number, level: Level): boolean
  /** the broken invariants of a HugeTLB folio */
  invariants(f: FolioState): string[]
  /** a fresh scheme state, when the rule keeps page-table facts beside the struct pages (HGM walks) */
  newState?: () => SchemeState
}

/**
 * PageMapcountRules - the complete rule table of a scheme of the per-page `_mapcount` family (v6.2 on):
 * every update rule and query formula that differs between its kernels. What is the same for all of them
 * lives in PageMapcountScheme (pageMapcountScheme.ts): order-0 folios (`_mapcount` ±1), per-page
 * `_mapcount` for PTEs, `_entire_mapcount` for PMDs/PUDs with ENTIRELY_MAPPED in `_nr_pages_mapped`,
 * page_mapcount = max(`_mapcount` + 1, 0) + `_entire_mapcount` + 1 (= kpagecount), pages mapped =
 * N while entirely mapped, else `_nr_pages_mapped`. Each scheme's folder states its table in full.
 */
export interface PageMapcountRules {
  /** how its kernels call the rmap functions (rmapCalls.ts): the cost rows' rmapCalls and folioLookups */
  readonly rmapEra: RmapEra
  readonly largeMapcount: LargeMapcountRule
  readonly nrPagesMapped: NrPagesMappedRule
  readonly deferredSplit: DeferredSplitRule
  /** folio_mapcount() of a large non-HugeTLB folio */
  readonly folioMapcount: (f: FolioState) => number
  /** "mapped shared?" of a large non-HugeTLB folio (folio_likely_mapped_shared(), folio_maybe_mapped_shared(), …) */
  readonly mappedShared: (f: FolioState) => boolean
  /** pagemap bit 56 of a non-HugeTLB entry at @level mapping page @i (order-0 folios included) */
  readonly pagemapExclusive: (f: FolioState, i: number, level: Level) => boolean
  readonly hugetlb: HugetlbRule
}
