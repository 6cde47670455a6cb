import { hugetlbPunch } from './hugetlb.ts'
import { dropFromCache } from './pageCache.ts'
import type { MapRec, SimContext } from './simContext.ts'
import { splitPmd, zapPtes } from './zap.ts'

/**
 * punchFile - fallocate(PUNCH_HOLE) of file pages [index, index + nr) of the file behind @m.
 * Page-cache pages of the range are unmapped from every process (private COW anon copies survive)
 * and removed from the cache. A large shmem folio only partly inside is split — which unmaps all of
 * it everywhere (file folios are not remapped after a split) — and only the pages in the range go.
 * HugeTLB files: see hugetlbPunch().
 * @see shmem_fallocate(), shmem_undo_range(), truncate_inode_partial_folio(), unmap_mapping_range() —
 *      mm/shmem.c, mm/truncate.c, mm/memory.c
 */
export function punchFile(ctx: SimContext, m: MapRec, index: number, nr: number): void {
  if (m.hpages > 1) return hugetlbPunch(ctx, m.file, index, index + nr, m.hpages)
  const pc = ctx.files.get(m.file)
  if (pc === undefined) return
  const heads = new Set<number>()
  for (let i = index; i < index + nr; i++) {
    const h = pc.cache.get(i)
    if (h !== undefined) heads.add(h)
  }
  for (const h of [...heads].sort((a, b) => a - b)) {
    const f = ctx.folio(h)
    const n = 2 ** f.order
    unmapFolio(ctx, m.file, h)
    if (f.index >= index && f.index + n <= index + nr) {
      dropFromCache(ctx, h)
      continue
    }
    ctx.emit('folio/split', { folio: h, newOrder: 0 })
    for (let i = 0; i < n; i++) {
      pc.cache.set(f.index + i, h + i)
      if (f.index + i >= index && f.index + i < index + nr) dropFromCache(ctx, h + i)
    }
  }
}

/** unmapFolio - unmap every page-table entry of any process mapping page-cache folio @head of @file. */
export function unmapFolio(ctx: SimContext, file: number, head: number): void {
  const f = ctx.folio(head)
  const n = 2 ** f.order
  for (const [proc, t] of ctx.procs) {
    const pid = Number(proc.slice(1))
    for (const mm of t.values()) {
      if (mm.file !== file) continue
      const lo = mm.start + (f.index - mm.pgoff)
      for (let v = Math.max(lo, mm.start); v < Math.min(lo + n, mm.start + mm.nrPages); v++) {
        const pfn = ctx.entry(pid, v)
        if (pfn < head || pfn >= head + n) continue
        if (ctx.pmdLeaf(pid, v) === head) splitPmd(ctx, pid, v)
        else zapPtes(ctx, pid, v, v + 1, new Set())
      }
    }
  }
}
