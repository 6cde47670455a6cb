import { hgmTables } from './hgmWalk.ts'
import { HPAGE_PMD_NR, PTRS_PER_PTE } from '@mmsim/core'
import type { SimContext } from './simContext.ts'

/** NOT_HGM - hgmZapHuge()'s answer when the hstate-level entry points to no HGM page table. */
export const NOT_HGM = -1
/** NONE_PRESENT - hgmZapHuge()'s answer when the HGM tables held no present entry. */
const NONE_PRESENT = -2

/**
 * hgmZapHuge - __unmap_hugepage_range() over the huge page of @hp vpns at @base of @pid, HGM v2 style:
 * the walk (hugetlb_pte) visits every high-granularity leaf below the hstate-level entry and clears it,
 * one `hugetlb/hgmRmapRemoved` (hugetlb_remove_rmap() with the entry's shift: an HGM PMD of a 1 GiB page
 * or a 4K PTE) per entry, in address order.
 * The page tables stay (zap_pte_range() does not free them either); munmap, exit and MADV_COLLAPSE free them.
 * Model-only (`set hgm=on`). The caller puts the folio back when nothing holds it any more.
 * @returns the folio the entries mapped, NONE_PRESENT when none was present, NOT_HGM when the entry
 *   at @base points to no HGM table (a none or huge entry: the caller's ordinary path)
 * @see __unmap_hugepage_range(), hugetlb_remove_rmap() — HGM v2 series ("hugetlb: add HGM support to
 *   __unmap_hugepage_range", "hugetlb: add hugetlb_add_file_rmap / hugetlb_remove_rmap")
 */
export function hgmZapHuge(ctx: SimContext, pid: number, base: number, hp: number): number {
  const t = hgmTables(ctx)
  if (!t.hasTables(pid, base, hp)) return NOT_HGM
  let folio = NONE_PRESENT
  for (let k = base; k < base + hp; k += HPAGE_PMD_NR) {
    const leaf = hp === HPAGE_PMD_NR ? -1 : ctx.pmdLeaf(pid, k)
    if (leaf >= 0) {
      folio = ctx.headOf(leaf)
      ctx.emit('hugetlb/hgmRmapRemoved', { pid, vpn: k, folio, page: leaf, level: 'pmd' })
      continue
    }
    const tab = ctx.pteTable(pid, k)
    if (tab === undefined || tab[PTRS_PER_PTE] === 0) continue
    for (let v = k; v < k + HPAGE_PMD_NR; v++) {
      const page = ctx.entry(pid, v)
      if (page < 0) continue
      folio = ctx.headOf(page)
      ctx.emit('hugetlb/hgmRmapRemoved', { pid, vpn: v, folio, page, level: 'pte' })
    }
  }
  return folio
}
