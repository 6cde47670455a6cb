import type { MapRec, SimContext } from './simContext.ts'
import { splitPmd } from './zap.ts'

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
  let f = ctx.folioAt(pfn)!
  if ((f.kind === 'file' || f.kind === 'shmem') && m.shared) return
  const head = ctx.pmdLeaf(pid, vpn)
  if (head >= 0) {
    const base = vpn - (vpn % 512)
    if (f.kind === 'hugezero') {
      ctx.emit('zeropage/unmapped', { pid, vpn: base, folio: head, level: 'pmd' })
      const folio = ctx.allocFolio(9, 'anon')
      ctx.emit('rmap/newAnonAdded', { pid, vpn: base, folio, page: folio, nrPages: 512, level: 'pmd' })
      return
    }
    if (f.kind === 'anon') {
      if (ctx.isExclusive(head)) return
      if (f.ptes + f.entire === 1) {
        ctx.emit('rmap/anonReused', { folio: head, page: head, nrPages: 1 })
        return
      }
    }
    splitPmd(ctx, pid, vpn)
    pfn = ctx.entry(pid, vpn)
    if (pfn < 0) return // a file PMD was zapped: the caller refaults
    f = ctx.folioAt(pfn)!
  }
  if (f.kind === 'anon') {
    if (ctx.isExclusive(pfn)) return
    const total = f.ptes + f.entire
    const reuse = f.order === 0 ? total === 1 : total > 1 && !ctx.mmIds.sharedBit(f)
    if (reuse) {
      ctx.emit('rmap/anonReused', { folio: f.pfn, page: pfn, nrPages: 1 })
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
  const f = ctx.folioAt(pfn)!
  ctx.prepareAnonVma(pid, vpn)
  if (f.kind === 'zero') ctx.emit('zeropage/unmapped', { pid, vpn, folio: f.pfn, level: 'pte' })
  else ctx.emit('rmap/removed', { pid, vpn, folio: f.pfn, page: pfn, nrPages: 1, level: 'pte' })
  const folio = ctx.allocFolio(0, 'anon')
  if (ctx.data.has(pfn)) ctx.data.add(folio)
  ctx.emit('rmap/newAnonAdded', { pid, vpn, folio, page: folio, nrPages: 1, level: 'pte' })
  ctx.freeIfUnused(f.pfn)
}
