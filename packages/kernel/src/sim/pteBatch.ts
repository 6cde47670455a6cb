import type { FolioRec } from '@mmsim/core'
import type { SimContext } from './simContext.ts'

/** PteBatch - @nr consecutive present PTEs of one process from @vpn mapping consecutive pages from @pfn of @folio. */
export interface PteBatch {
  vpn: number
  pfn: number
  nr: number
  folio: FolioRec
}

/**
 * pteBatches - the present PTEs of @pid in [lo, hi) (inside one page table), batched the way the kernel's
 * folio_pte_batch() does: runs of consecutive pages of one folio. A zero-page PTE is a batch of one.
 * @see folio_pte_batch() — mm/internal.h
 */
export function* pteBatches(ctx: SimContext, pid: number, lo: number, hi: number): Generator<PteBatch> {
  let v = lo
  while (v < hi) {
    const pfn = ctx.entry(pid, v)
    if (pfn < 0) {
      v++
      continue
    }
    const f = ctx.folioAt(pfn)!
    let n = 1
    if (f.kind !== 'zero') while (v + n < hi && pfn + n < f.pfn + 2 ** f.order && ctx.entry(pid, v + n) === pfn + n) n++
    yield { vpn: v, pfn, nr: n, folio: f }
    v += n
  }
}
