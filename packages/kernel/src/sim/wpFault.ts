import { K_ANON, K_FILE, K_HUGEZERO, K_SHMEM, K_ZERO, type MapRec, type SimContext } from './simContext.ts'
import { splitPmd } from './zap.ts'
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from '@mmsim/core'

/**
 * wpFault - a write to the present page at @vpn of @pid (not HugeTLB) in a writable VMA.
 *
 * - Shared file/shmem page: made writable, no rmap change.
 * - 4K zero page, or a page-cache page in a private mapping: copied into a new order-0 anon page.
 * - Huge zero PMD: replaced by a new PMD-mapped THP.
 * - Anon PMD: reused if the head is anon-exclusive or the folio has a single reference; otherwise the
 *   PMD is split and the page is handled at PTE level.
 * - Anon PTE: nothing if anon-exclusive; reused when the folio is exclusively this mm's (small: one
 *   reference; large: more than one mapping, MM-ID shared bit clear); otherwise copied to a new order-0
 *   page (a COW never allocates a large folio).
 * @see do_wp_page(), wp_page_copy(), wp_can_reuse_anon_folio(), __wp_can_reuse_large_anon_folio(),
 *      do_huge_pmd_wp_page(), do_huge_zero_wp_pmd() — mm/memory.c, mm/huge_memory.c
 */
export function wpFault(ctx: SimContext, pid: number, vpn: number, m: MapRec): void {
  let pfn = ctx.entry(pid, vpn)
  let h = ctx.headOf(pfn)
  let kind = ctx.kindOf(h)
  if ((kind === K_FILE || kind === K_SHMEM) && m.shared) return
  const head = ctx.pmdLeaf(pid, vpn)
  if (head >= 0) {
    const base = vpn - (vpn % HPAGE_PMD_NR)
    if (kind === K_HUGEZERO) {
      ctx.emitZero('zeropage/unmapped', pid, base, head, 'pmd')
      const folio = ctx.allocFolio(HPAGE_PMD_ORDER, 'anon')
      ctx.emitPteRmap('rmap/newAnonAdded', pid, base, folio, folio, HPAGE_PMD_NR, 'pmd')
      return
    }
    if (kind === K_ANON) {
      if (ctx.isExclusive(head)) return
      if (ctx.mapcountOf(h) === 1) {
        ctx.emitReused(head, head, 1)
        return
      }
    }
    splitPmd(ctx, pid, vpn)
    pfn = ctx.entry(pid, vpn)
    if (pfn < 0) return // a file PMD was zapped: the caller refaults
    h = ctx.headOf(pfn)
    kind = ctx.kindOf(h)
  }
  if (kind === K_ANON) {
    if (ctx.isExclusive(pfn)) return
    const total = ctx.mapcountOf(h)
    const reuse = ctx.orderOf(h) === 0 ? total === 1 : total > 1 && !ctx.mmIds.sharedBit(h)
    if (reuse) {
      ctx.emitReused(h, pfn, 1)
      return
    }
  }
  copyPage(ctx, pid, vpn, pfn, m)
}

/**
 * copyPage - wp_page_copy(): map a new order-0 anon copy of page @pfn at @vpn of @pid instead of it
 * (a zero page source gives a zeroed page); the old folio is freed if nothing maps it any more.
 */
export function copyPage(ctx: SimContext, pid: number, vpn: number, pfn: number, m: MapRec): void {
  const h = ctx.headOf(pfn)
  ctx.prepareAnonVma(pid, vpn)
  if (ctx.kindOf(h) === K_ZERO) ctx.emitZero('zeropage/unmapped', pid, vpn, h, 'pte')
  else ctx.emitPteRmap('rmap/removed', pid, vpn, h, pfn, 1, 'pte')
  const folio = ctx.allocFolio(0, 'anon')
  if (ctx.data.has(pfn)) ctx.data.add(folio)
  ctx.emitPteRmap('rmap/newAnonAdded', pid, vpn, folio, folio, 1, 'pte')
  ctx.freeIfUnused(h)
}
