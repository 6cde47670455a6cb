import type { EventBase, Level, Pfn, Pid, Vpn } from './common.ts'

/** The range every rmap add/remove event maps or unmaps: page-table entries of @pid from @vpn. */
interface RmapRange extends EventBase {
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  /** first page: [page, page + nrPages) of @folio */
  readonly page: Pfn
  /** pages covered: the number of PTEs at level 'pte', the folio's size at 'pmd' / 'pud' */
  readonly nrPages: number
  readonly level: Level
}

/**
 * NewAnonRmapAdded - a freshly allocated anon @folio is mapped exclusively: @nrPages PTEs (the whole
 * folio) or one PMD at @vpn; every mapped page (PMD: the head) becomes anon-exclusive.
 * Precondition: @folio is anon and mapped nowhere; the entries are none and inside an anon VMA.
 * @see folio_add_new_anon_rmap(), set_ptes(), map_anon_folio_pmd() — mm/rmap.c, mm/huge_memory.c
 */
export interface NewAnonRmapAdded extends RmapRange {
  readonly type: 'rmap/newAnonAdded'
}

/**
 * AnonRmapAdded - @nrPages PTEs (or one PMD) of @pid now map [page, page + nrPages) of anon @folio;
 * with @exclusive the pages (PMD: the head) become anon-exclusive.
 * Precondition (kernel: "caller needs to hold the page table lock"): none of the entries were present.
 * @see folio_add_anon_rmap_ptes(), folio_add_anon_rmap_pmd() — mm/rmap.c
 */
export interface AnonRmapAdded extends RmapRange {
  readonly type: 'rmap/anonAdded'
  readonly exclusive: boolean
}

/**
 * FileRmapAdded - @nrPages PTEs (or one PMD) of @pid now map [page, page + nrPages) of page-cache @folio.
 * Precondition: none of the entries were present; @folio is file or shmem.
 * @see folio_add_file_rmap_ptes(), folio_add_file_rmap_pmd() — mm/rmap.c
 */
export interface FileRmapAdded extends RmapRange {
  readonly type: 'rmap/fileAdded'
}

/**
 * RmapRemoved - @nrPages PTEs (or one PMD) of @pid that mapped [page, page + nrPages) of @folio are cleared.
 * Precondition: every one of those entries is present and maps exactly that page.
 * @see folio_remove_rmap_ptes(), folio_remove_rmap_pmd() — mm/rmap.c; zap_pte_range(), zap_huge_pmd()
 */
export interface RmapRemoved extends RmapRange {
  readonly type: 'rmap/removed'
}

/**
 * AnonRmapDuplicated - fork copies @pid's entries at @vpn mapping [page, page + nrPages) of anon @folio
 * into @child at the same @vpn; the pages (PMD: the head) lose anon-exclusive.
 * Precondition: the parent's entries are present and map those pages; the child's are none.
 * @see folio_try_dup_anon_rmap_ptes(), folio_try_dup_anon_rmap_pmd() — include/linux/rmap.h;
 *      copy_present_ptes(), copy_huge_pmd() — mm/memory.c, mm/huge_memory.c
 */
export interface AnonRmapDuplicated extends RmapRange {
  readonly type: 'rmap/anonDuplicated'
  readonly child: Pid
}

/**
 * FileRmapDuplicated - fork copies @pid's entries mapping [page, page + nrPages) of page-cache @folio into
 * @child at the same @vpn.
 * Precondition: as for {@link AnonRmapDuplicated}.
 * @see folio_dup_file_rmap_ptes() — include/linux/rmap.h
 */
export interface FileRmapDuplicated extends RmapRange {
  readonly type: 'rmap/fileDuplicated'
  readonly child: Pid
}

/**
 * AnonRmapShared - pages [page, page + nrPages) of anon @folio lose anon-exclusive without being unmapped
 * (the pages may now be shared, e.g. before an unmap to a swap or migration entry).
 * Precondition: @folio is anon and the range lies inside it.
 * @see folio_try_share_anon_rmap_pte(), folio_try_share_anon_rmap_pmd() — include/linux/rmap.h
 */
export interface AnonRmapShared extends EventBase {
  readonly type: 'rmap/anonShared'
  readonly folio: Pfn
  readonly page: Pfn
  readonly nrPages: number
}

/**
 * AnonRmapReused - a write fault reuses pages [page, page + nrPages) of anon @folio instead of copying
 * them: they become anon-exclusive again.
 * Precondition: @folio is anon and the range lies inside it.
 * @see wp_page_reuse(), folio_move_anon_rmap() — mm/memory.c, mm/rmap.c
 */
export interface AnonRmapReused extends EventBase {
  readonly type: 'rmap/anonReused'
  readonly folio: Pfn
  readonly page: Pfn
  readonly nrPages: number
}

/**
 * PmdRemapped - the PMD of @pid at @vpn mapping anon @folio is replaced by 512 PTEs mapping the same
 * pages; if the head was anon-exclusive every page becomes anon-exclusive.
 * Precondition: @vpn is PMD-aligned and the PMD maps @folio.
 * @see __split_huge_pmd_locked() with freeze=false — mm/huge_memory.c
 */
export interface PmdRemapped extends EventBase {
  readonly type: 'pmd/remapped'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
}

/**
 * CollapseCompleted - marker: the events since the last marker collapsed [vpn, vpn + 512) of @pid into
 * the new PMD-mapped @folio.
 * Precondition: the PMD of @pid at @vpn maps @folio.
 * @see collapse_huge_page(), collapse_file(), madvise_collapse() — mm/khugepaged.c
 */
export interface CollapseCompleted extends EventBase {
  readonly type: 'collapse/completed'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
}

/**
 * ZeroPageMapped - a special entry of @pid at @vpn maps the shared zero page (level 'pte') or the huge
 * zero folio (level 'pmd') @folio; no rmap, no mapcount.
 * Precondition: @folio is of kind zero (pte) or hugezero (pmd); the entry is none and inside a VMA.
 * @see do_anonymous_page(), do_huge_pmd_anonymous_page(), set_huge_zero_folio() — mm/memory.c, mm/huge_memory.c
 */
export interface ZeroPageMapped extends EventBase {
  readonly type: 'zeropage/mapped'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly level: Level
}

/**
 * ZeroPageUnmapped - the special entry of @pid at @vpn mapping zero page @folio is cleared.
 * Precondition: the entry maps @folio.
 * @see zap_pte_range(), zap_huge_pmd() — mm/memory.c, mm/huge_memory.c
 */
export interface ZeroPageUnmapped extends EventBase {
  readonly type: 'zeropage/unmapped'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly level: Level
}

export type RmapEvent =
  | NewAnonRmapAdded
  | AnonRmapAdded
  | FileRmapAdded
  | RmapRemoved
  | AnonRmapDuplicated
  | FileRmapDuplicated
  | AnonRmapShared
  | AnonRmapReused
  | PmdRemapped
  | CollapseCompleted
  | ZeroPageMapped
  | ZeroPageUnmapped
