import { pteBatches } from './pteBatch.ts'
import type { MapRec, SimContext } from './simContext.ts'

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
  const table = new Map<string, MapRec>()
  for (const [name, m] of ctx.mappings(parent)) table.set(name, { ...m })
  ctx.procs.set(child, table)
  const vmas = ctx.tx.vmas(pid) ?? []
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
  for (let k = Math.floor(lo / 512); k * 512 < hi; k++) {
    const s = ctx.pmdSlot(pid, k * 512)
    if (s === undefined) continue
    if (s.huge >= 0) {
      const f = ctx.folio(s.huge)
      if (f.kind === 'anon') ctx.emit('rmap/anonDuplicated', { pid, child: cpid, vpn: k * 512, folio: f.pfn, page: f.pfn, nrPages: 512, level: 'pmd' })
      else if (f.kind === 'hugezero') ctx.emit('zeropage/mapped', { pid: cpid, vpn: k * 512, folio: f.pfn, level: 'pmd' })
      continue
    }
    if (s.present === 0) continue
    const a = Math.max(lo, k * 512)
    const b = Math.min(hi, k * 512 + 512)
    for (const { vpn: v, pfn, nr: n, folio: f } of pteBatches(ctx, pid, a, b)) {
      if (f.kind === 'zero') ctx.emit('zeropage/mapped', { pid: cpid, vpn: v, folio: f.pfn, level: 'pte' })
      else {
        const type = f.kind === 'anon' ? 'rmap/anonDuplicated' : 'rmap/fileDuplicated'
        ctx.emit(type, { pid, child: cpid, vpn: v, folio: f.pfn, page: pfn, nrPages: n, level: 'pte' })
      }
    }
  }
}
