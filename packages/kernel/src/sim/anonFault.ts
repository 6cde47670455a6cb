import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, type Vma } from '@mmsim/core'
import { notModelled, type MapRec, type SimContext } from './simContext.ts'
import { anonAllowableOrders, suitableOrder } from './thpPolicy.ts'

/**
 * anonFault - a fault on a page of a private anonymous VMA whose entry is none.
 *
 * - PMD none and a PMD THP allowed and suitable: a read maps the huge zero folio (use_zero_page=1), a
 *   write allocates a PMD-mapped THP (both prepare the anon_vma).
 * - Otherwise a read maps the 4K zero page (no anon_vma), and a write allocates the largest enabled
 *   mTHP order whose aligned block lies in the VMA with all its PTEs none, else an order-0 page, and
 *   maps all of it (anon-exclusive).
 *
 * @vma is the core VMA; @kernel the kernel's VMA there (kernelVma(): core VMAs the kernel merged back after
 * an mprotect/madvise round trip). Core cannot hold a folio mapped across a core VMA boundary, so a fault
 * the kernel would serve with a larger folio than the core VMA allows is refused (not modelled).
 * @see do_huge_pmd_anonymous_page(), do_anonymous_page(), alloc_anon_folio() — mm/huge_memory.c, mm/memory.c
 * @see vma_merge_existing_range() — mm/vma.c
 */
export function anonFault(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma, kernel: Vma = vma): void {
  let orders = ctx.anonOrders.get(vma.thp)
  if (orders === undefined) ctx.anonOrders.set(vma.thp, (orders = anonAllowableOrders(ctx.knobs, vma)))
  const order = faultOrder(ctx, pid, vpn, write, orders, vma)
  if ((kernel.start !== vma.start || kernel.end !== vma.end) && faultOrder(ctx, pid, vpn, write, orders, kernel) !== order)
    notModelled(ctx, 'a THP/mTHP fault across a boundary of VMAs the kernel merged back (vma_merge after mprotect/madvise; core does not merge VMAs)')
  if (order === HPAGE_PMD_ORDER) {
    const base = vpn - (vpn % HPAGE_PMD_NR)
    ctx.prepareAnonVma(pid, vpn)
    if (!write) {
      ctx.emitZero('zeropage/mapped', pid, base, ctx.hugeZeroPfn, 'pmd')
      return
    }
    const folio = ctx.allocFolio(HPAGE_PMD_ORDER, 'anon')
    ctx.emitPteRmap('rmap/newAnonAdded', pid, base, folio, folio, HPAGE_PMD_NR, 'pmd')
    return
  }
  if (!write) {
    ctx.emitZero('zeropage/mapped', pid, vpn, ctx.zeroPfn, 'pte')
    return
  }
  const n = 2 ** order
  const lo = vpn - (vpn % n)
  ctx.prepareAnonVma(pid, vpn)
  const folio = ctx.allocFolio(order, 'anon')
  ctx.emitPteRmap('rmap/newAnonAdded', pid, lo, folio, folio, n, 'pte')
}

/** faultOrder - the folio order anonFault() gives a fault at @vpn in @vma (HPAGE_PMD_ORDER for the huge zero folio too). */
function faultOrder(ctx: SimContext, pid: number, vpn: number, write: boolean, orders: readonly number[], vma: Vma): number {
  if (orders[0] === HPAGE_PMD_ORDER && ctx.pmdNone(pid, vpn) && suitableOrder(vma, vpn, HPAGE_PMD_ORDER)) return HPAGE_PMD_ORDER
  if (!write) return 0
  for (let x = 0; x < orders.length; x++) {
    const o = orders[x]!
    if (o === HPAGE_PMD_ORDER || !suitableOrder(vma, vpn, o)) continue
    const n = 2 ** o
    const lo = vpn - (vpn % n)
    let none = true
    for (let i = 0; i < n && none; i++) none = ctx.entry(pid, lo + i) < 0
    if (none) return o
  }
  return 0
}
