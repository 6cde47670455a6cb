import { K_ZERO, type SimContext } from './simContext.ts'
import { HPAGE_PMD_NR } from '@mmsim/core'

/**
 * PteBatchFn - @nr consecutive present PTEs from @vpn mapping consecutive pages from @pfn of the folio with
 * head @head (kind code @kind, see K_ANON ...).
 */
export type PteBatchFn = (vpn: number, pfn: number, nr: number, head: number, kind: number) => void

/**
 * forEachPteBatch - the present PTEs of @pid in [lo, hi) (inside one page table), batched the way the
 * kernel's folio_pte_batch() does: runs of consecutive pages of one folio. A zero-page PTE is a batch of one.
 * @fn may change the entries of the batch it is given (zap, fork): the walk reads each entry after the
 * previous batch was handled, as the kernel's loop does. Allocates nothing.
 * @see folio_pte_batch() — mm/internal.h
 */
export function forEachPteBatch(ctx: SimContext, pid: number, lo: number, hi: number, fn: PteBatchFn): void {
  const k = Math.floor(lo / HPAGE_PMD_NR)
  const folios = ctx.truth.folios
  let v = lo
  while (v < hi) {
    const pt = ctx.truth.procTables(pid)
    if (pt === undefined) return
    const direct = pt.pmdLeaf(k) === undefined && pt.pudLeaf(v) === undefined
    const tab = pt.table(k)
    if (direct && tab === undefined) return
    const pfn = direct ? tab![v - k * HPAGE_PMD_NR]! - 1 : pt.entryAt(v)
    if (pfn < 0) {
      v++
      continue
    }
    const order = folios.orderAt(pfn)
    const head = folios.headOf(pfn)
    const kind = ctx.kindOf(head)
    let n = 1
    if (kind !== K_ZERO) {
      const end = head + (1 << order)
      if (direct) while (v + n < hi && pfn + n < end && tab![v + n - k * HPAGE_PMD_NR] === pfn + n + 1) n++
      else while (v + n < hi && pfn + n < end && pt.entryAt(v + n) === pfn + n) n++
    }
    fn(v, pfn, n, head, kind)
    v += n
  }
}
