import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, type Vma } from '@mmsim/core'
import { addToCache, cached, RA_PAGES } from './pageCache.ts'
import { PfnBits } from './pfnBits.ts'
import type { SimContext } from './simContext.ts'

/** MAX_PAGECACHE_ORDER - mapping_max_folio_order() of an ext4 regular file on x86-64 (HPAGE_PMD_ORDER). */
const MAX_PAGECACHE_ORDER = HPAGE_PMD_ORDER
/** MMAP_LOTSAMISS - past this many mmap misses do_sync_mmap_readahead() stops reading around. */
const MMAP_LOTSAMISS = 100

/**
 * RaState - a struct file's `file_ra_state` (the runner opens one file per `file` mapping; fork and mremap
 * keep it): the current window [start, start + size) with its async tail, the folio order of the last
 * read-ahead, and mmap_miss.
 */
interface RaState {
  start: number
  size: number
  asyncSize: number
  order: number
  mmapMiss: number
}

interface Readahead {
  ra: Map<number, RaState>
  /** page-cache folio heads with PG_readahead (the same bit is PG_reclaim) */
  flagged: PfnBits
}

const states = new WeakMap<SimContext, Readahead>()

function state(ctx: SimContext): Readahead {
  let s = states.get(ctx)
  if (s === undefined) states.set(ctx, (s = { ra: new Map(), flagged: new PfnBits() }))
  return s
}

function raOf(ctx: SimContext, file: number): RaState {
  const s = state(ctx)
  let r = s.ra.get(file)
  if (r === undefined) s.ra.set(file, (r = { start: 0, size: 0, asyncSize: 0, order: 0, mmapMiss: 0 }))
  return r
}

/**
 * isFlagged - does page-cache folio @head have PG_readahead / PG_reclaim? filemap_map_pages() does not map
 * such a folio (next_uptodate_folio()); a fault on it starts an async read-ahead.
 */
export function isFlagged(ctx: SimContext, head: number): boolean {
  return states.get(ctx)?.flagged.has(head) === true
}

/**
 * setReclaim - shrink_folio_list() kept dirty page-cache folio @head (no writeback from direct reclaim) and
 * set PG_reclaim on it, the bit PG_readahead shares.
 * @see shrink_folio_list() ("folio_set_reclaim(folio)") — mm/vmscan.c
 */
export function setReclaim(ctx: SimContext, head: number): void {
  state(ctx).flagged.add(head)
}

/** clearFlag - folio_mark_dirty() (a write fault) or page_cache_async_ra() cleared the folio's flag. */
export function clearFlag(ctx: SimContext, head: number): void {
  states.get(ctx)?.flagged.delete(head)
}

/** faultAroundSeen - filemap_map_pages() looked at @n pages: mmap_miss goes down by as much. */
export function faultAroundSeen(ctx: SimContext, file: number, n: number): void {
  const r = raOf(ctx, file)
  r.mmapMiss = Math.max(0, r.mmapMiss - n)
}

function isCached(ctx: SimContext, file: number, index: number): boolean {
  return cached(ctx, file, index) >= 0
}

/**
 * raUnbounded - page_cache_ra_unbounded() through do_page_cache_ra(): order-0 folios for the uncached
 * pages of [index, index + nr) inside the file; the one at index + nr - lookahead (EOF-clamped nr) gets
 * PG_readahead when it is newly read.
 */
function raUnbounded(ctx: SimContext, file: number, index: number, nr: number, lookahead: number): void {
  const pages = ctx.files.get(file)!.pages
  if (index > pages - 1) return
  if (nr > pages - 1 - index) nr = pages - index
  const mark = lookahead <= nr ? nr - lookahead : -1
  for (let i = 0; i < nr; i++) {
    if (isCached(ctx, file, index + i)) continue
    const pfn = addToCache(ctx, file, index + i, 0)
    if (i === mark) state(ctx).flagged.add(pfn)
  }
}

/**
 * raOrder - page_cache_ra_order() from @index with window @r: folios of the window's order (at most
 * MAX_PAGECACHE_ORDER and log2 of the size), smaller where @index is not aligned to it or the file ends
 * first; the folio holding start + size - async_size gets PG_readahead. At the first index whose folio
 * would overlap a cached page it stops and fills the rest of the window with order-0 folios.
 * @see page_cache_ra_order(), ra_alloc_folio(), do_page_cache_ra() — mm/readahead.c
 */
function raOrder(ctx: SimContext, file: number, index: number, r: RaState): void {
  const pages = ctx.files.get(file)!.pages
  const start = index
  const limit = Math.min(pages - 1, index + r.size - 1)
  const mark = index + r.size - r.asyncSize
  const newOrder = Math.min(MAX_PAGECACHE_ORDER, r.order, Math.floor(Math.log2(r.size)))
  r.order = newOrder
  let failed = false
  while (index <= limit) {
    let order = newOrder
    if (index % 2 ** order !== 0) order = ffs(index)
    while (order > 0 && index + 2 ** order - 1 > limit) order--
    let free = true
    for (let i = index; i < index + 2 ** order && free; i++) free = !isCached(ctx, file, i)
    if (!free) {
      failed = true
      break
    }
    const pfn = addToCache(ctx, file, index, order)
    if (mark - (mark % 2 ** order) === index) state(ctx).flagged.add(pfn)
    index += 2 ** order
  }
  if (!failed) return
  if (r.size > index - start) raUnbounded(ctx, file, index, r.size - (index - start), r.asyncSize)
}

/** ffs - __ffs(): the index of the lowest set bit of @x > 0. */
function ffs(x: number): number {
  let n = 0
  while (x % 2 === 0) {
    x /= 2
    n++
  }
  return n
}

/**
 * syncMmapReadahead - do_sync_mmap_readahead() for a fault on uncached page @index of ext4 file @file:
 * - a VM_HUGEPAGE VMA (any `thp` setting): two PMD-sized windows from @index rounded down to 512, order 9
 *   (smaller at the file's end; the second window's first folio gets PG_readahead);
 * - otherwise the mmap read-around: RA_PAGES pages centred on @index in order-0 folios, unless the file
 *   missed more than MMAP_LOTSAMISS times (then only the page itself).
 * The caller retries the fault (the read dropped the mmap lock: VM_FAULT_RETRY).
 * @see do_sync_mmap_readahead(), filemap_fault() — mm/filemap.c
 */
export function syncMmapReadahead(ctx: SimContext, file: number, index: number, vma: Vma): void {
  const r = raOf(ctx, file)
  if (vma.thp === 'hugepage') {
    r.size = 2 * HPAGE_PMD_NR
    r.asyncSize = HPAGE_PMD_NR
    r.order = HPAGE_PMD_ORDER
    raOrder(ctx, file, index - (index % HPAGE_PMD_NR), r)
    if (!isCached(ctx, file, index)) addToCache(ctx, file, index, 0)
    return
  }
  if (r.mmapMiss < MMAP_LOTSAMISS * 10) r.mmapMiss++
  if (r.mmapMiss <= MMAP_LOTSAMISS) {
    r.start = Math.max(0, index - RA_PAGES / 2)
    r.size = RA_PAGES
    r.asyncSize = RA_PAGES / 4
    r.order = 0
    raOrder(ctx, file, r.start, r)
  }
  if (!isCached(ctx, file, index)) addToCache(ctx, file, index, 0)
}

/** nextRaSize - get_next_ra_size(). */
function nextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur
  if (cur <= max / 2) return 2 * cur
  return max
}

/**
 * asyncMmapReadahead - do_async_mmap_readahead() for a fault on cached page @index of folio @head:
 * mmap_miss goes down by one; a folio with PG_readahead (or PG_reclaim) loses it and page_cache_async_ra()
 * reads the next window with the order raised by 2: the sequential window if @index is where the last
 * window expected the hit, else a fresh one from the first uncached page after @index.
 * @returns whether the read dropped the mmap lock (the fault is retried, VM_FAULT_RETRY)
 * @see do_async_mmap_readahead() — mm/filemap.c; page_cache_async_ra() — mm/readahead.c
 */
export function asyncMmapReadahead(ctx: SimContext, file: number, index: number, head: number): boolean {
  const r = raOf(ctx, file)
  if (r.mmapMiss > 0) r.mmapMiss--
  if (!isFlagged(ctx, head)) return false
  clearFlag(ctx, head)
  const nr = 2 ** ctx.folio(head).order
  const expectedAt = r.start + r.size - r.asyncSize
  if (index === expectedAt - (expectedAt % nr)) {
    r.start += r.size
    r.size = Math.max(r.size, nextRaSize(r.size, RA_PAGES))
  } else {
    let start = index + 1
    while (start < index + 1 + RA_PAGES && isCached(ctx, file, start)) start++
    if (start - index > RA_PAGES) return true
    r.start = start
    r.size = nextRaSize(start - index + RA_PAGES, RA_PAGES)
  }
  r.order += 2
  const align = 2 ** Math.min(r.order, 11)
  const end = r.start + r.size
  const alignedEnd = end - (end % align)
  if (alignedEnd > r.start) r.size -= end - alignedEnd
  r.asyncSize = r.size
  raOrder(ctx, file, r.start, r)
  return true
}
