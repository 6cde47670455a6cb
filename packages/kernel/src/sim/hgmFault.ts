import { HPAGE_PMD_NR, HPAGE_PUD_NR, type Vma } from '@mmsim/core'
import { hgmTables } from './hgmWalk.ts'
import { notModelled, type MapRec, type SimContext } from './simContext.ts'

/** hugeLeaf - is the hstate-level entry of @pid at @base (huge page of @hp vpns) a present leaf? */
export function hugeLeaf(ctx: SimContext, pid: number, base: number, hp: number): boolean {
  return hp === HPAGE_PMD_NR ? ctx.pmdLeaf(pid, base) >= 0 : ctx.tables(pid)?.pudLeaf(base) !== undefined
}

/** cachedHuge - the page-cache huge page behind @vpn of VMA @v of mapping @m, or -1. */
export function cachedHuge(ctx: SimContext, m: MapRec, v: Vma, vpn: number): number {
  return ctx.files.get(m.file)?.cache.get(Math.floor((v.pgoff + (vpn - v.start)) / m.hpages)) ?? -1
}

/**
 * hgmFault - a read or write of @vpn in HGM VMA @vma of shared HugeTLB mapping @m: when the hstate-level
 * entry points to HGM tables, hugetlb_fault()'s walk (hugetlb_full_walk_alloc(hpte, vma, address, 0))
 * stops at the lowest level that exists and hugetlb_no_page() maps there, "the largest possible size":
 * the 4K PTE of @vpn under a PTE table, in a 1 GiB page with no PTE table there the 2 MiB piece by an HGM
 * PMD (`hugetlb/hgmRmapAdded`, level pte or pmd); a present entry needs nothing (shared: no COW).
 * Not modelled (refused): a page that left the page cache (hugetlb_no_page() would allocate a new huge page).
 * @returns false when the entry points to no HGM table: the ordinary HugeTLB fault applies
 * @see hugetlb_fault(), hugetlb_no_page() — HGM v2 series ("hugetlb: add HGM support to hugetlb_fault and hugetlb_no_page")
 */
export function hgmFault(ctx: SimContext, pid: number, vpn: number, m: MapRec, vma: Vma): boolean {
  const hp = m.hpages
  const base = vpn - (vpn % hp)
  const t = hgmTables(ctx)
  if (!t.hasTables(pid, base, hp)) return false
  if (ctx.entry(pid, vpn) >= 0) return true
  const pfn = cachedHuge(ctx, m, vma, vpn)
  if (pfn < 0) notModelled(ctx, 'a fault in an HGM-mapped huge page that left the page cache (hugetlb_no_page() would allocate a new one)')
  if (hp === HPAGE_PUD_NR && !t.hasPte(pid, vpn)) {
    const piece = vpn - (vpn % HPAGE_PMD_NR)
    ctx.emit('hugetlb/hgmRmapAdded', { pid, vpn: piece, folio: pfn, page: pfn + (piece - base), level: 'pmd' })
    return true
  }
  ctx.emit('hugetlb/hgmRmapAdded', { pid, vpn, folio: pfn, page: pfn + (vpn - base), level: 'pte' })
  return true
}
