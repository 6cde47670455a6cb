/** Page-table level of a mapping, mirroring the kernel's `enum pgtable_level`. */
export type Level = 'pte' | 'pmd' | 'pud'
/** Kind of a folio: anonymous, page cache of a regular file or of shmem, HugeTLB, or one of the zero pages. */
export type FolioKind = 'anon' | 'file' | 'shmem' | 'hugetlb' | 'zero' | 'hugezero'
/** Kind of the memory behind a VMA. */
export type VmaKind = 'anon' | 'file' | 'shmem' | 'hugetlb'
/** A page frame number (of a 4 KiB page). A folio is named by the PFN of its head page. */
export type Pfn = number
/** A virtual page number: the virtual address >> 12 (57-bit addresses exceed 2^53, page numbers do not). */
export type Vpn = number
/** A process (an mm) id: the scenario's `pN` is pid N. */
export type Pid = number

/** Every event's base: the scenario line or kernel call site that produced it. */
export interface EventBase {
  /** `file:line` of the scenario statement, or `function` of the kernel call site; '' when unknown */
  readonly cause: string
}

