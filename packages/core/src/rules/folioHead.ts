/**
 * The folio containing a page — the one home of the rule: folios are naturally aligned, so the folio that
 * holds page @pfn has its head at @pfn rounded down to 2^order for some order 0..max. The candidate head for
 * order o is {@link alignedHead}(pfn, o); it holds @pfn iff a folio of order >= o starts there.
 * @see folio_page_idx(), page_folio() — include/linux/mm.h (compound_head of a naturally aligned folio)
 */

/**
 * alignedHead - @pfn rounded down to a multiple of 2^@order: the head a naturally aligned folio of @order
 * holding @pfn would have. Arithmetic, not bitwise: `pfn - pfn % 2^order`, defined for any integer
 * (callers need not range-check first).
 */
export function alignedHead(pfn: number, order: number): number {
  return pfn - (pfn % 2 ** order)
}

/**
 * folioHeadOf - the head PFN of the folio holding page @pfn, or −1 when none does: the first candidate head
 * {@link alignedHead}(pfn, o), o = 0..@maxOrder, at which @orderAt(head) names a folio of order >= o
 * (@orderAt: the order of the folio headed at head, undefined when none is).
 */
export function folioHeadOf(pfn: number, maxOrder: number, orderAt: (head: number) => number | undefined): number {
  for (let o = 0; o <= maxOrder; o++) {
    const h = alignedHead(pfn, o)
    const order = orderAt(h)
    if (order !== undefined && order >= o) return h
  }
  return -1
}
