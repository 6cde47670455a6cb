import type { Vma } from '@mmsim/core'
import type { MapRec, SimContext } from './simContext.ts'
import { anonAllowableOrders, PMD_ORDER, suitableOrder } from './thpPolicy.ts'

/**
 * anonFault - a fault on a page of a private anonymous VMA whose entry is none.
 *
 * - PMD none and a PMD THP allowed and suitable: a read maps the huge zero folio (use_zero_page=1), a
 *   write allocates a PMD-mapped THP (both prepare the anon_vma).
 * - Otherwise a read maps the 4K zero page (no anon_vma), and a write allocates the largest enabled
 *   mTHP order whose aligned block lies in the VMA with all its PTEs none, else an order-0 page, and
 *   maps all of it (anon-exclusive).
 * @see do_huge_pmd_anonymous_page(), do_anonymous_page(), alloc_anon_folio() — mm/huge_memory.c, mm/memory.c
 */
export function anonFault(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma): void {
  const orders = anonAllowableOrders(ctx.knobs, vma)
  if (orders[0] === PMD_ORDER && ctx.pmdNone(pid, vpn) && suitableOrder(vma, vpn, PMD_ORDER)) {
    const base = vpn - (vpn % 512)
    ctx.prepareAnonVma(pid, vpn)
    if (!write) {
      ctx.emit('zeropage/mapped', { pid, vpn: base, folio: ctx.hugeZeroPfn, level: 'pmd' })
      return
    }
    const folio = ctx.allocFolio(PMD_ORDER, 'anon')
    ctx.emit('rmap/newAnonAdded', { pid, vpn: base, folio, page: folio, nrPages: 512, level: 'pmd' })
    return
  }
  if (!write) {
    ctx.emit('zeropage/mapped', { pid, vpn, folio: ctx.zeroPfn, level: 'pte' })
    return
  }
  let order = 0
  for (const o of orders) {
    if (o === PMD_ORDER || !suitableOrder(vma, vpn, o)) continue
    const n = 2 ** o
    const lo = vpn - (vpn % n)
    let none = true
    for (let i = 0; i < n && none; i++) none = ctx.entry(pid, lo + i) < 0
    if (none) {
      order = o
      break
    }
  }
  const n = 2 ** order
  const lo = vpn - (vpn % n)
  ctx.prepareAnonVma(pid, vpn)
  const folio = ctx.allocFolio(order, 'anon')
  ctx.emit('rmap/newAnonAdded', { pid, vpn: lo, folio, page: folio, nrPages: n, level: 'pte' })
}
