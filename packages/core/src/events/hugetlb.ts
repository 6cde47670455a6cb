import type { EventBase, Level, Pfn, Pid, Vpn } from './common.ts'

/**
 * HugetlbRmapAdded - one PMD (2 MiB) or PUD (1 GiB) entry of @pid at @vpn maps the whole HugeTLB @folio.
 * @mode: `newAnon` (a freshly allocated private page: exclusive), `anon` (with @exclusive), `file` (shared).
 * Precondition: @folio is a HugeTLB folio whose size matches @level; the entry is none, inside a hugetlb VMA.
 * @see hugetlb_add_new_anon_rmap(), hugetlb_add_anon_rmap(), hugetlb_add_file_rmap() — include/linux/rmap.h
 */
export interface HugetlbRmapAdded extends EventBase {
  type: 'hugetlb/rmapAdded'
  pid: Pid
  vpn: Vpn
  folio: Pfn
  level: Level
  mode: 'newAnon' | 'anon' | 'file'
  exclusive: boolean
}

/**
 * HugetlbRmapRemoved - the entry of @pid at @vpn mapping HugeTLB @folio is cleared.
 * Precondition: the entry maps @folio.
 * @see hugetlb_remove_rmap() — include/linux/rmap.h; __unmap_hugepage_range() — mm/hugetlb.c
 */
export interface HugetlbRmapRemoved extends EventBase {
  type: 'hugetlb/rmapRemoved'
  pid: Pid
  vpn: Vpn
  folio: Pfn
  level: Level
}

/**
 * HugetlbAnonDuplicated - fork copies @pid's entry at @vpn mapping private HugeTLB @folio into @child;
 * the folio loses anon-exclusive.
 * Precondition: the parent's entry maps @folio; the child's is none.
 * @see hugetlb_try_dup_anon_rmap() — include/linux/rmap.h; copy_hugetlb_page_range() — mm/hugetlb.c
 */
export interface HugetlbAnonDuplicated extends EventBase {
  type: 'hugetlb/anonDuplicated'
  pid: Pid
  child: Pid
  vpn: Vpn
  folio: Pfn
  level: Level
}

/**
 * HugetlbPoolGrown - a HugeTLB folio [folio, folio + 2^order) enters the free pool (order 9 or 18).
 * Precondition: aligned, overlaps no live folio.
 * @see alloc_fresh_hugetlb_folio(), prep_new_hugetlb_folio() — mm/hugetlb.c
 */
export interface HugetlbPoolGrown extends EventBase {
  type: 'hugetlb/poolGrown'
  folio: Pfn
  order: number
}

/**
 * HugetlbPoolShrunk - HugeTLB folio @folio leaves the pool and returns to the buddy allocator.
 * Precondition: @folio is HugeTLB, unmapped, and its vmemmap is not optimized (restored before).
 * @see update_and_free_hugetlb_folio() — mm/hugetlb.c
 */
export interface HugetlbPoolShrunk extends EventBase {
  type: 'hugetlb/poolShrunk'
  folio: Pfn
}

/**
 * HvoOptimized - the vmemmap of HugeTLB @folio is remapped: its tail struct pages are read-only copies
 * (6.18 keeps 1 of 8 vmemmap pages of a 2 MiB page, 1 of 4096 of a 1 GiB page).
 * Precondition: @folio is HugeTLB and not optimized.
 * @see hugetlb_vmemmap_optimize_folio() — mm/hugetlb_vmemmap.c
 */
export interface HvoOptimized extends EventBase {
  type: 'hvo/optimized'
  folio: Pfn
}

/**
 * HvoRestored - the vmemmap of HugeTLB @folio is restored to writable struct pages.
 * Precondition: @folio is HugeTLB and optimized.
 * @see hugetlb_vmemmap_restore_folio() — mm/hugetlb_vmemmap.c
 */
export interface HvoRestored extends EventBase {
  type: 'hvo/restored'
  folio: Pfn
}

export type HugetlbEvent =
  | HugetlbRmapAdded
  | HugetlbRmapRemoved
  | HugetlbAnonDuplicated
  | HugetlbPoolGrown
  | HugetlbPoolShrunk
  | HvoOptimized
  | HvoRestored
