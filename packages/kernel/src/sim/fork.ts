import { forEachPteBatch } from './pteBatch.ts'
import { K_ANON, K_HUGEZERO, K_ZERO, type MapRec, type SimContext } from './simContext.ts'
import { HPAGE_PMD_NR, PTRS_PER_PTE } from '@mmsim/core'

/**
 * fork - @parent forks @child: the child gets every VMA but VM_DONTCOPY ones and copies of the
 * mapping records; page tables are copied only for VMAs with an anon_vma (vma_needs_copy()), so
 * shared mappings and private file mappings that never had a COW page are faulted in later.
 *
 * Copied entries, VMA by VMA in address order, page table by page table:
 * - anon PTEs: folio_try_dup_anon_rmap_ptes() on runs of consecutive pages of one folio (the pages
 *   lose anon-exclusive; both sides are write-protected);
 * - page-cache PTEs (private file COW mappings): folio_dup_file_rmap_ptes();
 * - zero-page PTEs and the huge zero PMD: copied as they are, no rmap;
 * - anon PMDs: folio_try_dup_anon_rmap_pmd(); file PMDs are not copied (refaulted).
 * HugeTLB VMAs are copied by hugetlbFork() (see hugetlb.ts).
 * @see dup_mmap(), copy_page_range(), vma_needs_copy(), copy_present_ptes(), copy_huge_pmd() —
 *      mm/mmap.c, mm/memory.c, mm/huge_memory.c
 */
export function fork(ctx: SimContext, parent: string, child: string, pid: number, cpid: number, copyHugetlb: (m: MapRec, lo: number, hi: number) => void): void {
  ctx.emit('process/forked', { pid, child: cpid })
  ctx.anonVmas.fork(pid, cpid)
  ctx.hugetlbCuts.fork(pid, cpid)
  const table = new Map<string, MapRec>()
  for (const [name, m] of ctx.mappings(parent)) table.set(name, { ...m })
  ctx.procs.set(child, table)
  const vmas = ctx.vmas(pid)
  const recs = [...ctx.mappings(parent).values()]
  for (const v of vmas) {
    if (v.dontfork) continue
    const m = recs.find((r) => r.start <= v.start && v.start < r.start + r.nrPages)
    if (m === undefined || !ctx.anonVmas.has(pid, v.start)) continue
    if (m.kind === 'hugetlb2M' || m.kind === 'hugetlb1G') {
      copyHugetlb(m, v.start, v.end)
      continue
    }
    copyRange(ctx, pid, cpid, v.start, v.end)
  }
}

function copyRange(ctx: SimContext, pid: number, cpid: number, lo: number, hi: number): void {
  const copy = (v: number, pfn: number, n: number, head: number, kind: number): void => {
    if (kind === K_ZERO) ctx.emitZero('zeropage/mapped', cpid, v, head, 'pte')
    else ctx.emitDup(kind === K_ANON ? 'rmap/anonDuplicated' : 'rmap/fileDuplicated', pid, cpid, v, head, pfn, n, 'pte')
  }
  for (let k = Math.floor(lo / HPAGE_PMD_NR); k * HPAGE_PMD_NR < hi; k++) {
    const leaf = ctx.pmdLeaf(pid, k * HPAGE_PMD_NR)
    if (leaf >= 0) {
      const kind = ctx.kindOf(leaf)
      if (kind === K_ANON) ctx.emitDup('rmap/anonDuplicated', pid, cpid, k * HPAGE_PMD_NR, leaf, leaf, HPAGE_PMD_NR, 'pmd')
      else if (kind === K_HUGEZERO) ctx.emitZero('zeropage/mapped', cpid, k * HPAGE_PMD_NR, leaf, 'pmd')
      continue
    }
    const tab = ctx.pteTable(pid, k * HPAGE_PMD_NR)
    if (tab === undefined || tab[PTRS_PER_PTE] === 0) continue
    const a = Math.max(lo, k * HPAGE_PMD_NR)
    const b = Math.min(hi, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
    forEachPteBatch(ctx, pid, a, b, copy)
  }
}
