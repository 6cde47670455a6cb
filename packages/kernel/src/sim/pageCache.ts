import type { Vma } from '@mmsim/core'
import type { SimContext } from './simContext.ts'
import { shmemAllowableOrders, suitableOrder } from './thpPolicy.ts'

/**
 * RA_PAGES - the read-ahead window of the files' block device: /tmp is ext4 on /dev/vda, whose
 * `queue/read_ahead_kb` is 8192 on this machine (not the 128 KiB default), i.e. 2048 pages.
 */
export const RA_PAGES = 2048

/** cached - head PFN of the page-cache folio holding page @index of @file, or -1. */
export function cached(ctx: SimContext, file: number, index: number): number {
  return ctx.files.get(file)?.cache.get(index) ?? -1
}

/** addToCache - allocate a folio of @order for [index, index + 2^order) of @file and insert it. */
export function addToCache(ctx: SimContext, file: number, index: number, order: number): number {
  const pc = ctx.files.get(file)!
  const kind = pc.kind === 'hugetlb' ? 'hugetlb' : pc.kind
  const pfn = ctx.allocFolio(order, kind, file, index)
  for (let i = 0; i < 2 ** order; i++) pc.cache.set(index + i, pfn)
  return pfn
}

/**
 * shmemGetFolio - the shmem folio holding page @index of @file, allocated on a miss (also for a read:
 * shmem has no zero page) with the largest allowed order whose aligned block lies inside the file and
 * holds no cached page and, for a fault, is suitable in @vma.
 * @see shmem_get_folio_gfp(), shmem_alloc_and_add_folio(), shmem_allowable_huge_orders() — mm/shmem.c
 * @returns the page's PFN
 */
export function shmemGetPage(ctx: SimContext, file: number, index: number, vma: Vma | undefined, vpn: number): number {
  const head = cached(ctx, file, index)
  if (head >= 0) return head + (index - ctx.folio(head).index)
  const pc = ctx.files.get(file)!
  for (const order of shmemAllowableOrders(ctx.knobs, vma, index, pc.pages)) {
    const n = 2 ** order
    const lo = index - (index % n)
    if (lo + n > pc.pages) continue
    if (vma !== undefined && !suitableOrder(vma, vpn, order)) continue
    let free = true
    for (let i = lo; i < lo + n && free; i++) free = !pc.cache.has(i)
    if (!free) continue
    return addToCache(ctx, file, lo, order) + (index - lo)
  }
  return addToCache(ctx, file, index, 0)
}

/**
 * fileGetPage - the ext4 page-cache page holding page @index of @file: on a miss, the mmap read-around
 * reads order-0 folios for [index - RA_PAGES/2, + RA_PAGES) inside the file first.
 * @see filemap_fault(), do_sync_mmap_readahead(), page_cache_ra_order() — mm/filemap.c, mm/readahead.c
 * @returns the page's PFN
 */
export function fileGetPage(ctx: SimContext, file: number, index: number): number {
  const head = cached(ctx, file, index)
  if (head >= 0) return head + (index - ctx.folio(head).index)
  const pc = ctx.files.get(file)!
  const lo = Math.max(0, index - RA_PAGES / 2)
  for (let i = lo; i < Math.min(pc.pages, lo + RA_PAGES); i++) if (!pc.cache.has(i)) addToCache(ctx, file, i, 0)
  return cached(ctx, file, index)
}

/**
 * dropFromCache - remove the folio with head @head from its page cache (truncate, punch, reclaim);
 * it is freed once nothing maps it.
 * @see filemap_remove_folio(), truncate_inode_folio() — mm/filemap.c, mm/truncate.c
 */
export function dropFromCache(ctx: SimContext, head: number): void {
  const f = ctx.folio(head)
  const pc = ctx.files.get(f.file)
  if (pc !== undefined) for (let i = 0; i < 2 ** f.order; i++) if (pc.cache.get(f.index + i) === head) pc.cache.delete(f.index + i)
  ctx.freeIfUnused(head)
}

/**
 * hasBufferHeads - does ext4 folio @head carry buffer heads that filemap_release_folio() cannot drop? A write
 * fault through a shared mapping attaches and dirties them for the whole folio (ext4_page_mkwrite() ->
 * block_page_mkwrite() -> block_commit_write()); nothing here writes them back, so any written page of the
 * folio means its split fails with -EBUSY (__folio_split(), before anything is unmapped). A folio only read
 * (holes: ext4_mpage_readpages() zeroes it without buffers) splits.
 * @see __folio_split(), filemap_release_folio(), try_to_free_buffers() — mm/huge_memory.c, mm/filemap.c, fs/buffer.c
 */
export function hasBufferHeads(ctx: SimContext, head: number): boolean {
  const f = ctx.folio(head)
  if (f.kind !== 'file' || f.order === 0) return false
  for (let i = 0; i < 2 ** f.order; i++) if (ctx.data.has(head + i)) return true
  return false
}
