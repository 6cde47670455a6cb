import { hugetlbPunch } from './hugetlb.ts'
import { dropFromCache } from './pageCache.ts'
import { FolioList } from './pfnBits.ts'
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
    // truncate_inode_partial_folio(): a non-uniform split at the hole's first page, then one at the page
    // after the hole if that is still inside; the folios then wholly inside the hole are truncated
    const first = Math.max(index, f.index)
    buddySplit(ctx, m.file, h + (first - f.index))
    const after = index + nr
    if (after < f.index + n) buddySplit(ctx, m.file, h + (after - f.index))
    for (let i = f.index; i < f.index + n; ) {
      const head = pc.cache.get(i)!
      const size = 2 ** ctx.folio(head).order
      if (i >= index && i + size <= index + nr) dropFromCache(ctx, head)
      i += size
    }
  }
}

/**
 * buddySplit - folio_split() of the page-cache folio holding page @pfn: the folio is halved repeatedly,
 * keeping the half without @pfn, until @pfn is an order-0 folio (orders n-1, n-2, …, 1, 0, 0). Modelled
 * as successive uniform splits into halves (`folio/split`), which reach the same state.
 * @see folio_split(), __split_unmapped_folio() — mm/huge_memory.c
 */
export function buddySplit(ctx: SimContext, file: number, pfn: number): void {
  const pc = ctx.files.get(file)!
  for (;;) {
    const f = ctx.folioAt(pfn)!
    if (f.order === 0) return
    ctx.emit('folio/split', { folio: f.pfn, newOrder: f.order - 1 })
    const half = 2 ** (f.order - 1)
    for (let i = 0; i < 2 * half; i++) pc.cache.set(f.index + i, f.pfn + (i < half ? 0 : half))
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
        else zapPtes(ctx, pid, v, v + 1, new FolioList())
      }
    }
  }
}
