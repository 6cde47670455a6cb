import type { EventBase, Pid, Vpn, VmaKind } from './common.ts'

/**
 * VmaMapped - a new VMA [vpn, vpn + nrPages) of @kind in @pid; for file/shmem/hugetlb memory it maps
 * file @file from page offset @pgoff (anonymous memory: file 0, pgoff 0).
 * Precondition: @pid is live and no VMA overlaps the range.
 * @see mmap_region() — mm/vma.c
 */
export interface VmaMapped extends EventBase {
  readonly type: 'vma/mapped'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
  readonly kind: VmaKind
  readonly shared: boolean
  readonly writable: boolean
  readonly file: number
  readonly pgoff: number
}

/**
 * VmaUnmapped - [vpn, vpn + nrPages) of @pid no longer belongs to any VMA (VMAs are split at the edges);
 * PTE tables whose whole 2 MiB span is left without a VMA are freed.
 * Precondition: every VMA page of the range is unmapped (the zap comes before, as `rmap/removed`).
 * @see do_vmi_munmap(), free_pgtables() — mm/vma.c, mm/memory.c
 */
export interface VmaUnmapped extends EventBase {
  readonly type: 'vma/unmapped'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
}

/**
 * VmaMoved - the VMA pages [vpn, vpn + nrPages) of @pid move to [newVpn, newVpn + nrPages) with their
 * page-table entries, without any rmap change. PMD entries move only when both sides are PMD-aligned.
 * Precondition: the source range lies inside VMAs, no VMA overlaps the destination, and every PMD entry
 * of the source lies wholly inside the range (split_huge_pmd comes before, as `pmd/remapped`).
 * @see move_vma(), move_page_tables() — mm/mremap.c
 */
export interface VmaMoved extends EventBase {
  readonly type: 'vma/moved'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
  readonly newVpn: Vpn
}

/**
 * VmaProtected - [vpn, vpn + nrPages) of @pid becomes writable or read-only.
 * Precondition: the range lies inside VMAs.
 * @see mprotect_fixup(), change_protection() — mm/mprotect.c
 */
export interface VmaProtected extends EventBase {
  readonly type: 'vma/protected'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
  readonly writable: boolean
}

/**
 * VmaAdvised - madvise() set a VMA flag on [vpn, vpn + nrPages) of @pid: VM_HUGEPAGE (`hugepage`),
 * VM_NOHUGEPAGE (`nohugepage`), VM_DONTCOPY (`dontfork`) or cleared it (`dofork`).
 * Precondition: the range lies inside VMAs.
 * @see madvise_update_vma(), hugepage_madvise() — mm/madvise.c, mm/khugepaged.c
 */
export interface VmaAdvised extends EventBase {
  readonly type: 'vma/advised'
  readonly pid: Pid
  readonly vpn: Vpn
  readonly nrPages: number
  readonly advice: 'hugepage' | 'nohugepage' | 'dontfork' | 'dofork'
}

export type VmaEvent = VmaMapped | VmaUnmapped | VmaMoved | VmaProtected | VmaAdvised
