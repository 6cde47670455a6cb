import type { EventBase, Level, Pfn, Pid, Vpn } from './common.ts'

/**
 * HugetlbRmapAdded - one PMD (2 MiB) or PUD (1 GiB) entry of @pid at @vpn maps the whole HugeTLB @folio.
 * @mode: `newAnon` (a freshly allocated private page: exclusive), `anon` (with @exclusive), `file` (shared).
 * Precondition: @folio is a HugeTLB folio whose size matches @level; the entry is none, inside a hugetlb VMA.
 * @see hugetlb_add_new_anon_rmap(), hugetlb_add_anon_rmap(), hugetlb_add_file_rmap() — include/linux/rmap.h
 */
export interface HugetlbRmapAdded extends EventBase {
  readonly type: 'hugetlb/rmapAdded'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly level: Level
  readonly mode: 'newAnon' | 'anon' | 'file'
  readonly exclusive: boolean
}

/**
 * HugetlbRmapRemoved - the entry of @pid at @vpn mapping HugeTLB @folio is cleared.
 * Precondition: the entry maps @folio.
 * @see hugetlb_remove_rmap() — include/linux/rmap.h; __unmap_hugepage_range() — mm/hugetlb.c
 */
export interface HugetlbRmapRemoved extends EventBase {
  readonly type: 'hugetlb/rmapRemoved'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly level: Level
}

/**
 * HugetlbAnonDuplicated - fork copies @pid's entry at @vpn mapping private HugeTLB @folio into @child;
 * the folio loses anon-exclusive.
 * Precondition: the parent's entry maps @folio; the child's is none.
 * @see hugetlb_try_dup_anon_rmap() — include/linux/rmap.h; copy_hugetlb_page_range() — mm/hugetlb.c
 */
export interface HugetlbAnonDuplicated extends EventBase {
  readonly type: 'hugetlb/anonDuplicated'
  readonly pid: Pid
  readonly child: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly level: Level
}

/**
 * HugetlbPoolGrown - a HugeTLB folio [folio, folio + 2^order) enters the free pool (order 9 or 18).
 * Precondition: aligned, overlaps no live folio.
 * @see alloc_fresh_hugetlb_folio(), prep_new_hugetlb_folio() — mm/hugetlb.c
 */
export interface HugetlbPoolGrown extends EventBase {
  readonly type: 'hugetlb/poolGrown'
  readonly folio: Pfn
  readonly order: number
}

/**
 * HugetlbPoolShrunk - HugeTLB folio @folio leaves the pool and returns to the buddy allocator.
 * Precondition: @folio is HugeTLB, unmapped, and its vmemmap is not optimized (restored before).
 * @see update_and_free_hugetlb_folio() — mm/hugetlb.c
 */
export interface HugetlbPoolShrunk extends EventBase {
  readonly type: 'hugetlb/poolShrunk'
  readonly folio: Pfn
}

/**
 * HvoOptimized - the vmemmap of HugeTLB @folio is remapped: its tail struct pages are read-only copies
 * (6.18 keeps 1 of 8 vmemmap pages of a 2 MiB page, 1 of 4096 of a 1 GiB page).
 * Precondition: @folio is HugeTLB and not optimized.
 * @see hugetlb_vmemmap_optimize_folio() — mm/hugetlb_vmemmap.c
 */
export interface HvoOptimized extends EventBase {
  readonly type: 'hvo/optimized'
  readonly folio: Pfn
}

/**
 * HvoRestored - the vmemmap of HugeTLB @folio is restored to writable struct pages.
 * Precondition: @folio is HugeTLB and optimized.
 * @see hugetlb_vmemmap_restore_folio() — mm/hugetlb_vmemmap.c
 */
export interface HvoRestored extends EventBase {
  readonly type: 'hvo/restored'
  readonly folio: Pfn
}

/**
 * HugetlbHgmEnabled - madvise(MADV_SPLIT) (advice 26) turned on high-granularity mapping for the shared
 * HugeTLB VMA range [vpn, vpn + nrPages) of @pid (VM_HUGETLB_HGM). Nothing is remapped: present huge
 * entries stay; later faults and UFFDIO_CONTINUE may map the range at a smaller granularity.
 * Model-only: HGM v2 was never merged (Linux 6.18 returns EINVAL for advice 26).
 * Precondition: the range lies inside shared HugeTLB VMAs.
 * @see madvise_split(), hugetlb_enable_hgm_vma() — "[PATCH v2 00/46] hugetlb: introduce HugeTLB
 * high-granularity mapping" (James Houghton, Feb 2023), mm/madvise.c, mm/hugetlb.c
 */
export interface HugetlbHgmEnabled extends EventBase {
  readonly type: 'hugetlb/hgmEnabled'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
}

/**
 * HugetlbHgmRmapAdded - one high-granularity entry of @pid at @vpn maps [page, page + n) of HugeTLB
 * @folio, where n = 1 at level `pte` (a 4 KiB PTE) and n = 512 at level `pmd` (a 2 MiB PMD inside a 1 GiB
 * folio). The entry is a `struct hugetlb_pte` of that level found or allocated by the HGM walk; the rmap
 * is file (HGM v2 is MAP_SHARED only).
 * Precondition: the VMA has HGM enabled; @level is smaller than the folio's size; @page lies inside
 * @folio, is aligned to n and sits at the same offset in the folio as @vpn in the huge page it falls in;
 * the entry is none.
 * @see hugetlb_add_file_rmap() on the hugetlb_pte of hugetlb_full_walk_alloc() — HGM v2 series
 * ("hugetlb: add hugetlb_add_file_rmap / hugetlb_remove_rmap", "hugetlb: add HGM support to
 * hugetlb_mcopy_atomic_pte / UFFDIO_CONTINUE")
 */
export interface HugetlbHgmRmapAdded extends EventBase {
  readonly type: 'hugetlb/hgmRmapAdded'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly page: Pfn
  readonly level: Level
}

/**
 * HugetlbHgmRmapRemoved - the high-granularity entry of @pid at @vpn (level @level) mapping [page, page + n)
 * of HugeTLB @folio is cleared (zap, munmap, or MADV_COLLAPSE replacing it by one huge entry).
 * Precondition: the entry maps exactly that range of @folio.
 * @see hugetlb_remove_rmap() — HGM v2 series; __unmap_hugepage_range() over hugetlb_pte, hugetlb_collapse()
 */
export interface HugetlbHgmRmapRemoved extends EventBase {
  readonly type: 'hugetlb/hgmRmapRemoved'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly folio: Pfn
  readonly page: Pfn
  readonly level: Level
}

/**
 * HugetlbHgmTableAllocated - the HGM walk of @pid allocated a page-table page for @vpn below a huge-page
 * level: a PTE table (@level `pte`) under a PMD, or a PMD table (@level `pmd`) under a PUD of a 1 GiB VMA.
 * No mapping changes; it is the page-table memory and PTL work HGM costs. The simulated kernel names the
 * first vpn the new table maps (2 MiB-aligned for a PTE table, 1 GiB-aligned for a PMD table), one event per
 * table: the walk allocates a table once; zaps keep it; MADV_COLLAPSE, munmap and exit free it (no event).
 * Precondition: @vpn lies in an HGM-enabled HugeTLB VMA; a `pmd` table only in a 1 GiB VMA.
 * @see hugetlb_full_walk_alloc(), hugetlb_walk_step() (hugetlb_pte_populate()) — HGM v2 series
 */
export interface HugetlbHgmTableAllocated extends EventBase {
  readonly type: 'hugetlb/hgmTableAllocated'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly level: Level
}

export type HugetlbEvent =
  | HugetlbRmapAdded
  | HugetlbRmapRemoved
  | HugetlbAnonDuplicated
  | HugetlbPoolGrown
  | HugetlbPoolShrunk
  | HvoOptimized
  | HvoRestored
  | HugetlbHgmEnabled
  | HugetlbHgmRmapAdded
  | HugetlbHgmRmapRemoved
  | HugetlbHgmTableAllocated
