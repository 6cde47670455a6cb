/**
 * PageAllocator - the simulated buddy allocator: hands out naturally aligned PFN ranges.
 *
 * The model needs folio identities, not realistic PFNs (observations label folios canonically), so
 * it allocates upward from @base and never reuses a freed range: every folio of a run has a distinct
 * PFN, which keeps traces easy to read and makes the same scenario give the same trace.
 * @see __alloc_pages(), folio_alloc() — mm/page_alloc.c
 */
export class PageAllocator {
  private next: number

  constructor(base = 0x100000) {
    this.next = base
  }

  /** alloc - a free range of 2^@order pages, aligned to its size. @returns its first PFN */
  alloc(order: number): number {
    if (order === 0) return this.next++
    const n = 2 ** order
    const pfn = Math.ceil(this.next / n) * n
    this.next = pfn + n
    return pfn
  }
}
