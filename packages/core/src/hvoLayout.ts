/**
 * hvoLayout - HugeTLB Vmemmap Optimization (HVO) arithmetic: how many vmemmap pages (pages of struct
 * pages) back one HugeTLB page, how many HVO keeps, frees and allocates, which struct pages stay
 * writable, and the vmemmap page-table pages the optimization needs, for the 6.18 kernel and for the
 * v7 series that introduced it (Muchun Song, "[v7,00/15] Free some vmemmap pages of hugetlb page",
 * 2020-11-30; the seed post 002).
 *
 * x86-64 constants: PAGE_SIZE 4 KiB, sizeof(struct page) 64 bytes, PMD_SIZE 2 MiB (PTRS_PER_PTE 512).
 *
 * 6.18 (mm/hugetlb_vmemmap.c, mm/hugetlb_vmemmap.h):
 *  - hugetlb_vmemmap_size() = pages_per_huge_page * sizeof(struct page): 8 pages (2 MiB), 4096 (1 GiB).
 *  - HUGETLB_VMEMMAP_RESERVE_SIZE = PAGE_SIZE: the first vmemmap page is kept (HUGETLB_VMEMMAP_RESERVE_PAGES
 *    = 64 struct pages stay writable, PAGE_KERNEL); vmemmap_remap_pte() maps every other vmemmap page
 *    PAGE_KERNEL_RO onto that page, so struct page i (i >= 64) aliases struct page i % 64 read-only.
 *  - vmemmap_remap_free() first allocates a fresh head vmemmap page (alloc_pages_node, order 0) and copies
 *    the head page into it, so all vmemmap pages of the huge page go to the buddy (8 / 4096) while one is
 *    allocated: net 7 / 4095 (what nr_memmap_pages in /proc/vmstat shows; the live kernel: `check vmemmap`).
 *    When that allocation fails the old head page is reused and 7 / 4095 are freed, none allocated.
 *  - A PMD-mapped vmemmap (x86 vmemmap_populate_hugepages) is split by vmemmap_split_pmd(): one PTE table
 *    (pte_alloc_one_kernel) per 2 MiB of vmemmap, i.e. per 32768 struct pages = 128 MiB of memory: 8 for a
 *    1 GiB page, 1/64 of one for a 2 MiB page (shared by the 64 huge pages of that 128 MiB). The split is
 *    never undone ("we do not attempt to coalesce", commit "mm: sparsemem: split the huge PMD mapping of
 *    vmemmap pages"). PTE tables are not struct-page memory: nr_memmap_pages does not count them.
 *  - TLB: hugetlb_vmemmap_optimize_folios() splits every folio's PMDs (VMEMMAP_SPLIT_NO_TLB_FLUSH), one
 *    flush_tlb_all(), remaps all (VMEMMAP_REMAP_NO_TLB_FLUSH), one flush_tlb_all() before freeing: 2 per
 *    batch; hugetlb_vmemmap_optimize_folio() alone: flush_tlb_kernel_range() per split PMD and one per
 *    remap. Restore (hugetlb_vmemmap_restore_folios, on dissolve/free to buddy): allocates 7 / 4095 pages
 *    (alloc_vmemmap_page_list) and one flush_tlb_all() per batch.
 *
 * v7 (the seed): RESERVE_VMEMMAP_NR = 2 vmemmap pages kept (the head page and the first tail page; the rest
 * map onto the second one, read-only), 6 / 4094 freed, no fresh head page; PMD mapping of the vmemmap
 * disabled while the feature is on ("x86/mm/64: Disable PMD page mapping of vmemmap"), so the vmemmap is
 * PTE-mapped from boot: one PTE table per 2 MiB of vmemmap is a cost of the feature (the seed: "8 pages for
 * page tables" per 1 GiB page). On restore 6 / 4094 pages are allocated; one TLB flush per huge page
 * (flush_tlb_kernel_range in vmemmap_remap_range).
 */
import { PTRS_PER_PTE } from './rules/pageTableGeometry.ts'

/** kernel whose HVO is described: the 6.18 kernel, or the v7 series of the seed post */
export type HvoKernel = 'v7' | '6.18'
export const HVO_KERNELS: readonly HvoKernel[] = ['v7', '6.18']

/** x86-64 PAGE_SIZE */
export const HVO_PAGE_SIZE = 4096
/** x86-64 sizeof(struct page) (CONFIG_MEMCG, no KMSAN) */
export const STRUCT_PAGE_SIZE = 64
/** struct pages in one vmemmap page: PAGE_SIZE / sizeof(struct page) */
const STRUCT_PAGES_PER_VMEMMAP_PAGE = HVO_PAGE_SIZE / STRUCT_PAGE_SIZE
/** vmemmap pages one PTE table maps (PTRS_PER_PTE): one PMD's worth, 2 MiB of vmemmap */
export const VMEMMAP_PAGES_PER_PTE_TABLE = PTRS_PER_PTE

/** vmemmap pages HVO keeps per huge page: HUGETLB_VMEMMAP_RESERVE_SIZE / PAGE_SIZE (6.18), RESERVE_VMEMMAP_NR (v7) */
const HVO_RESERVE_VMEMMAP_PAGES: Readonly<Record<HvoKernel, number>> = { v7: 2, '6.18': 1 }

/**
 * HvoLayout - the per-huge-page HVO figures of one kernel and huge-page order.
 * @pageTablePagesPerHugePage: PTE tables of the vmemmap per huge page (a fraction for 2 MiB: one table is
 *   shared by VMEMMAP_PAGES_PER_PTE_TABLE / vmemmapPagesPerHugePage huge pages)
 */
export interface HvoLayout {
  kernel: HvoKernel
  order: number
  hugePageBytes: number
  /** base pages (and struct pages) per huge page: 1 << order */
  structPagesPerHugePage: number
  /** hugetlb_vmemmap_size() / PAGE_SIZE */
  vmemmapPagesPerHugePage: number
  /** vmemmap pages still backing the huge page's struct pages after HVO */
  keptPerHugePage: number
  /** net vmemmap pages returned per huge page: vmemmapPagesPerHugePage - keptPerHugePage */
  freedPerHugePage: number
  /** pages handed to the buddy allocator by the optimization (6.18: every vmemmap page, the head copied first) */
  pagesFreedToBuddy: number
  /** pages allocated by the optimization itself (6.18: the fresh head vmemmap page of vmemmap_remap_free) */
  pagesAllocatedOnOptimize: number
  /** pages allocated to restore the vmemmap (dissolve, shrinking the pool): alloc_vmemmap_page_list() */
  pagesAllocatedOnRestore: number
  /** struct pages with a writable mapping of their own after HVO: keptPerHugePage * 64 */
  writableStructPages: number
  pageTablePagesPerHugePage: number
  /** huge pages sharing one vmemmap PTE table (1 for 1 GiB: each needs 8 tables of its own) */
  hugePagesPerPteTable: number
}

/**
 * hvoLayout - the HVO figures of @kernel for a HugeTLB page of @order (9: 2 MiB, 18: 1 GiB; any order whose
 * vmemmap is at least one page larger than the reserve).
 * @see hugetlb_vmemmap_size(), hugetlb_vmemmap_optimizable_size() — mm/hugetlb_vmemmap.h
 */
export function hvoLayout(kernel: HvoKernel, order: number): HvoLayout {
  const structPages = 2 ** order
  const vmemmapPages = (structPages * STRUCT_PAGE_SIZE) / HVO_PAGE_SIZE
  const kept = HVO_RESERVE_VMEMMAP_PAGES[kernel]
  if (!Number.isInteger(vmemmapPages) || vmemmapPages <= kept) {
    throw new RangeError(`HVO does not optimize order ${order}: ${vmemmapPages} vmemmap pages, ${kept} reserved`)
  }
  const freed = vmemmapPages - kept
  const freshHead = kernel === '6.18' ? 1 : 0
  return {
    kernel,
    order,
    hugePageBytes: structPages * HVO_PAGE_SIZE,
    structPagesPerHugePage: structPages,
    vmemmapPagesPerHugePage: vmemmapPages,
    keptPerHugePage: kept,
    freedPerHugePage: freed,
    pagesFreedToBuddy: freed + freshHead,
    pagesAllocatedOnOptimize: freshHead,
    pagesAllocatedOnRestore: freed,
    writableStructPages: kept * STRUCT_PAGES_PER_VMEMMAP_PAGE,
    pageTablePagesPerHugePage: vmemmapPages / VMEMMAP_PAGES_PER_PTE_TABLE,
    hugePagesPerPteTable: Math.max(1, VMEMMAP_PAGES_PER_PTE_TABLE / vmemmapPages),
  }
}

/**
 * hvoStructPageWritable - whether struct page @index (0-based within the huge page) of an HVO-optimized
 * HugeTLB folio has a writable mapping of its own: only those on the kept vmemmap pages. A write to any
 * other one hits a PAGE_KERNEL_RO alias (vmemmap_remap_pte()) — the HVO conflicts schemes count.
 */
export function hvoStructPageWritable(kernel: HvoKernel, index: number): boolean {
  return index < HVO_RESERVE_VMEMMAP_PAGES[kernel] * STRUCT_PAGES_PER_VMEMMAP_PAGE
}

/**
 * hvoStructPageAlias - the struct page whose memory struct page @index reads after HVO: itself when
 * writable; 6.18 maps every tail vmemmap page onto the head one (index % 64), v7 onto the second kept
 * page (64 + index % 64).
 */
export function hvoStructPageAlias(kernel: HvoKernel, index: number): number {
  if (hvoStructPageWritable(kernel, index)) return index
  const reuse = HVO_RESERVE_VMEMMAP_PAGES[kernel] - 1
  return reuse * STRUCT_PAGES_PER_VMEMMAP_PAGE + (index % STRUCT_PAGES_PER_VMEMMAP_PAGE)
}
