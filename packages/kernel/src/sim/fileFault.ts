import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, type Vma } from '@mmsim/core'
import { emptyTableLeft } from './continueTables.ts'
import { cached, shmemGetPage } from './pageCache.ts'
import { asyncMmapReadahead, clearFlag, faultAroundSeen, isFlagged, syncMmapReadahead } from './readahead.ts'
import { notModelled, type MapRec, type SimContext } from './simContext.ts'
import { suitableOrder } from './thpPolicy.ts'

/** FAULT_AROUND_PAGES - fault_around_bytes (64 KiB) in pages. */
export const FAULT_AROUND_PAGES = 16

/** fileIndex - the file page that @vpn of @vma maps. */
export function fileIndex(vma: Vma, vpn: number): number {
  return vma.pgoff + (vpn - vma.start)
}

/**
 * fileFault - a fault on a none entry of a file, shmem or shared-anon (shmem) VMA.
 * - ext4 (`file`): see ext4Fault().
 * - shmem, read: fault-around first (every cached page of the 16-page window, clamped to the VMA and the
 *   page table; a PMD-sized first folio is mapped by a PMD); then the folio is allocated and
 *   finish_fault() maps it. Shared write: finish_fault() maps the page, no fault-around. Private write:
 *   do_cow_fault() copies it into a new anon page.
 * @see do_read_fault(), do_fault_around(), filemap_map_pages(), do_shared_fault(), do_cow_fault(),
 *      finish_fault(), do_set_pmd() — mm/memory.c, mm/filemap.c
 */
export function fileFault(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma): void {
  if (m.kind === 'file') return ext4Fault(ctx, pid, vpn, write, m, vma)
  const index = fileIndex(vma, vpn)
  if (!write) {
    faultAround(ctx, pid, vpn, vma)
    if (ctx.entry(pid, vpn) >= 0) return
    finishFault(ctx, pid, vpn, shmemGetPage(ctx, m.file, index, vma, vpn), vma)
    return
  }
  mapWritten(ctx, pid, vpn, shmemGetPage(ctx, m.file, index, vma, vpn), m, vma)
}

/**
 * ext4Fault - a fault on a none entry of an ext4 file VMA, attempt by attempt as the kernel retries it:
 * a read first maps what fault-around finds; then filemap_fault(): a miss reads ahead
 * (syncMmapReadahead(): large folios in a VM_HUGEPAGE VMA, else the order-0 read-around) and retries
 * with FAULT_FLAG_TRIED; a hit on a folio with PG_readahead/PG_reclaim reads the next window
 * (asyncMmapReadahead(), which clears the flag) and retries; otherwise the page is mapped (finish_fault(),
 * a write to a shared mapping marks the folio dirty, a private write copies it).
 * @see filemap_fault(), do_read_fault(), do_shared_fault(), do_cow_fault() — mm/filemap.c, mm/memory.c
 */
function ext4Fault(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma): void {
  const index = fileIndex(vma, vpn)
  let tried = false
  for (let attempt = 0; attempt < 4; attempt++) {
    if (!write) {
      faultAround(ctx, pid, vpn, vma)
      if (ctx.entry(pid, vpn) >= 0) return
    }
    const head = cached(ctx, m.file, index)
    if (head < 0) {
      syncMmapReadahead(ctx, m.file, index, vma)
      tried = true
      continue
    }
    if (!tried && asyncMmapReadahead(ctx, m.file, index, head)) continue
    const pfn = head + (index - ctx.folio(head).index)
    if (!write) return finishFault(ctx, pid, vpn, pfn, vma)
    if (m.shared) clearFlag(ctx, head) // fault_dirty_shared_page() -> folio_mark_dirty() clears PG_reclaim
    return mapWritten(ctx, pid, vpn, pfn, m, vma)
  }
  throw new Error('model bug: ext4 fault retried without end')
}

/** mapWritten - a write fault's page @pfn: mapped (shared, finish_fault()) or copied (private, do_cow_fault()). */
function mapWritten(ctx: SimContext, pid: number, vpn: number, pfn: number, m: MapRec, vma: Vma): void {
  if (m.shared) {
    finishFault(ctx, pid, vpn, pfn, vma)
    return
  }
  ctx.prepareAnonVma(pid, vpn)
  const folio = ctx.allocFolio(0, 'anon')
  if (ctx.data.has(pfn)) ctx.data.add(folio)
  ctx.emit('rmap/newAnonAdded', { pid, vpn, folio, page: folio, nrPages: 1, level: 'pte' })
}

function pmdMappable(ctx: SimContext, pid: number, vpn: number, vma: Vma, head: number): boolean {
  const f = ctx.folio(head)
  if (f.order !== HPAGE_PMD_ORDER || !ctx.pmdNone(pid, vpn) || vma.thp === 'nohugepage') return false
  if (!suitableOrder(vma, vpn, HPAGE_PMD_ORDER)) return false
  const core = ctx.vma(pid, vpn)!
  if (!suitableOrder(core, vpn, HPAGE_PMD_ORDER)) return false // core cannot map across its VMA pieces
  if (fileIndex(vma, vpn - (vpn % HPAGE_PMD_NR)) !== f.index) return false
  if (emptyTableLeft(ctx, pid, vma, vpn)) notModelled(ctx, 'a PMD mapping where a refused UFFDIO_CONTINUE left an empty PTE table (the kernel maps the folio with PTEs; continueTables.ts)')
  return true
}

function mapPmd(ctx: SimContext, pid: number, vpn: number, head: number): void {
  ctx.emit('rmap/fileAdded', { pid, vpn: vpn - (vpn % HPAGE_PMD_NR), folio: head, page: head, nrPages: HPAGE_PMD_NR, level: 'pmd' })
}

/** mapRun - map the pages of folio @head for file indices [lo, hi] at @vma whose PTEs are none. */
function mapRun(ctx: SimContext, pid: number, vma: Vma, head: number, lo: number, hi: number): void {
  const f = ctx.folio(head)
  let i = lo
  while (i <= hi) {
    const v = vma.start + (i - vma.pgoff)
    if (ctx.entry(pid, v) >= 0) {
      i++
      continue
    }
    let n = 1
    const end = ctx.vma(pid, v)!.end // one event per core VMA piece
    while (i + n <= hi && v + n < end && ctx.entry(pid, v + n) < 0) n++
    ctx.emit('rmap/fileAdded', { pid, vpn: v, folio: head, page: head + (i - f.index), nrPages: n, level: 'pte' })
    i += n
  }
}

/**
 * faultAround - do_fault_around() + filemap_map_pages() for a read fault at @vpn: the cached folios of the
 * 16-page window but those with PG_readahead/PG_reclaim; the first one by a PMD when it is PMD-sized and
 * suitable; a large folio whole when it lies inside the VMA and one page table, else its pages in the
 * window. An ext4 folio reaching the file's last page is never mapped whole nor by a PMD here, and when it is
 * the window's first folio and there is no PTE table, nothing is mapped (the 6.18 `file_end` checks).
 */
export function faultAround(ctx: SimContext, pid: number, vpn: number, vma: Vma): void {
  const pteOff = vpn % HPAGE_PMD_NR
  const vmaOff = vpn - vma.start
  const from = Math.max(pteOff - (pteOff % FAULT_AROUND_PAGES), pteOff - Math.min(pteOff, vmaOff))
  const to = Math.min(from + FAULT_AROUND_PAGES, HPAGE_PMD_NR, pteOff + (vma.end - vma.start) - vmaOff) - 1
  const base = vpn - pteOff
  const startIdx = fileIndex(vma, base + from)
  const endIdx = fileIndex(vma, base + to)
  const file = ctx.files.get(vma.file)
  if (file === undefined) return
  let first = true
  let seen = 0
  for (let idx = startIdx; idx <= endIdx; ) {
    const head = file.cache.get(idx)
    if (head === undefined) {
      idx++
      continue
    }
    const f = ctx.folio(head)
    const fEnd = f.index + 2 ** f.order - 1
    // next_uptodate_folio() skips a folio with PG_readahead (PG_reclaim: a dirty folio reclaim kept)
    if (isFlagged(ctx, head)) {
      idx = fEnd + 1
      continue
    }
    if (first) {
      first = false
      if (ctx.pmdLeaf(pid, vpn) >= 0) return
      // filemap_map_pages() calls filemap_map_pmd() only if the first folio ends before the file's last page
      // (`file_end >= folio_next_index()`, shmem exempt); when it is skipped no PTE table is installed either,
      // so with none there the fault-around maps nothing and finish_fault() maps the page (measured: corpus
      // file-hugepage-eof-*)
      if (file.kind === 'file' && fEnd + 1 >= file.pages) {
        if (ctx.pmdNone(pid, vpn)) return
      } else if (pmdMappable(ctx, pid, vpn, vma, head)) {
        mapPmd(ctx, pid, vpn, head)
        return
      }
    }
    const v0 = vma.start + (f.index - vma.pgoff)
    // filemap_map_folio_range() maps a large ext4 folio whole only if it ends before the file's last page
    // (the same `file_end >= folio_next_index()`; shmem is exempt): a folio ending at EOF gets only its window
    const whole = f.order > 0 && (file.kind !== 'file' || fEnd + 1 < file.pages) && v0 >= vma.start && v0 + 2 ** f.order <= vma.end && Math.floor(v0 / HPAGE_PMD_NR) === Math.floor((v0 + 2 ** f.order - 1) / HPAGE_PMD_NR)
    if (whole) mapRun(ctx, pid, vma, head, f.index, fEnd)
    else mapRun(ctx, pid, vma, head, Math.max(idx, f.index), Math.min(endIdx, fEnd))
    seen += whole ? 2 ** f.order : Math.min(endIdx, fEnd) - Math.max(idx, f.index) + 1
    idx = fEnd + 1
  }
  if (file.kind === 'file' && seen > 0) faultAroundSeen(ctx, vma.file, seen)
}

/**
 * finishFault - map page @pfn at @vpn: by a PMD when its folio is PMD-sized and the PMD is none and
 * suitable, else the whole folio when it fits the VMA and the page table with all PTEs none, else the page.
 * @see finish_fault(), do_set_pmd(), set_pte_range() — mm/memory.c
 */
export function finishFault(ctx: SimContext, pid: number, vpn: number, pfn: number, vma: Vma): void {
  const f = ctx.folioAt(pfn)!
  if (pmdMappable(ctx, pid, vpn, vma, f.pfn)) return mapPmd(ctx, pid, vpn, f.pfn)
  const idx = pfn - f.pfn
  const n = 2 ** f.order
  const v0 = vpn - idx
  if (n > 1 && v0 >= vma.start && v0 + n <= vma.end && Math.floor(v0 / HPAGE_PMD_NR) === Math.floor((v0 + n - 1) / HPAGE_PMD_NR)) {
    let none = true
    for (let i = 0; i < n && none; i++) none = ctx.entry(pid, v0 + i) < 0
    if (none) {
      mapRun(ctx, pid, vma, f.pfn, f.index, f.index + n - 1)
      return
    }
  }
  ctx.emit('rmap/fileAdded', { pid, vpn, folio: f.pfn, page: pfn, nrPages: 1, level: 'pte' })
}
