import type { Vma } from '@mmsim/core'
import { cached, fileGetPage, shmemGetPage } from './pageCache.ts'
import type { MapRec, SimContext } from './simContext.ts'
import { PMD_ORDER, suitableOrder } from './thpPolicy.ts'

/** FAULT_AROUND_PAGES - fault_around_bytes (64 KiB) in pages. */
export const FAULT_AROUND_PAGES = 16

/** fileIndex - the file page that @vpn of @vma maps. */
export function fileIndex(vma: Vma, vpn: number): number {
  return vma.pgoff + (vpn - vma.start)
}

function getPage(ctx: SimContext, m: MapRec, vma: Vma, vpn: number): number {
  const index = fileIndex(vma, vpn)
  return m.kind === 'file' ? fileGetPage(ctx, m.file, index) : shmemGetPage(ctx, m.file, index, vma, vpn)
}

/**
 * fileFault - a fault on a none entry of a file, shmem or shared-anon (shmem) VMA.
 * - Read: fault-around first (every cached page of the 16-page window, clamped to the VMA and the page
 *   table; a PMD-sized first folio is mapped by a PMD); on a miss, ext4 reads around and retries the
 *   fault (so the window gets mapped), shmem allocates the folio and finish_fault() maps it.
 * - Write, shared: the page (allocated on a miss) is mapped by finish_fault(), no fault-around.
 * - Write, private: do_cow_fault(): the page-cache page is copied into a new anon page.
 * @see do_read_fault(), do_fault_around(), filemap_map_pages(), do_shared_fault(), do_cow_fault(),
 *      finish_fault(), do_set_pmd() — mm/memory.c, mm/filemap.c
 */
export function fileFault(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma): void {
  if (!write) {
    if (m.kind === 'file' && cached(ctx, m.file, fileIndex(vma, vpn)) < 0) getPage(ctx, m, vma, vpn)
    faultAround(ctx, pid, vpn, vma)
    if (ctx.entry(pid, vpn) >= 0) return
    finishFault(ctx, pid, vpn, getPage(ctx, m, vma, vpn), vma)
    return
  }
  const pfn = getPage(ctx, m, vma, vpn)
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
  if (f.order !== PMD_ORDER || !ctx.pmdNone(pid, vpn) || vma.thp === 'nohugepage') return false
  if (!suitableOrder(vma, vpn, PMD_ORDER)) return false
  const core = ctx.vma(pid, vpn)!
  if (!suitableOrder(core, vpn, PMD_ORDER)) return false // core cannot map across its VMA pieces
  return fileIndex(vma, vpn - (vpn % 512)) === f.index
}

function mapPmd(ctx: SimContext, pid: number, vpn: number, head: number): void {
  ctx.emit('rmap/fileAdded', { pid, vpn: vpn - (vpn % 512), folio: head, page: head, nrPages: 512, level: 'pmd' })
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

/** faultAround - do_fault_around() + filemap_map_pages() for a read fault at @vpn. */
export function faultAround(ctx: SimContext, pid: number, vpn: number, vma: Vma): void {
  const pteOff = vpn % 512
  const vmaOff = vpn - vma.start
  const from = Math.max(pteOff - (pteOff % FAULT_AROUND_PAGES), pteOff - Math.min(pteOff, vmaOff))
  const to = Math.min(from + FAULT_AROUND_PAGES, 512, pteOff + (vma.end - vma.start) - vmaOff) - 1
  const base = vpn - pteOff
  const startIdx = fileIndex(vma, base + from)
  const endIdx = fileIndex(vma, base + to)
  const file = ctx.files.get(vma.file)
  if (file === undefined) return
  let first = true
  for (let idx = startIdx; idx <= endIdx; ) {
    const head = file.cache.get(idx)
    if (head === undefined) {
      idx++
      continue
    }
    const f = ctx.folio(head)
    const fEnd = f.index + 2 ** f.order - 1
    if (first) {
      first = false
      if (ctx.pmdLeaf(pid, vpn) >= 0) return
      if (pmdMappable(ctx, pid, vpn, vma, head)) {
        mapPmd(ctx, pid, vpn, head)
        return
      }
    }
    const v0 = vma.start + (f.index - vma.pgoff)
    const whole = f.order > 0 && v0 >= vma.start && v0 + 2 ** f.order <= vma.end && Math.floor(v0 / 512) === Math.floor((v0 + 2 ** f.order - 1) / 512)
    if (whole) mapRun(ctx, pid, vma, head, f.index, fEnd)
    else mapRun(ctx, pid, vma, head, Math.max(idx, f.index), Math.min(endIdx, fEnd))
    idx = fEnd + 1
  }
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
  if (n > 1 && v0 >= vma.start && v0 + n <= vma.end && Math.floor(v0 / 512) === Math.floor((v0 + n - 1) / 512)) {
    let none = true
    for (let i = 0; i < n && none; i++) none = ctx.entry(pid, v0 + i) < 0
    if (none) {
      mapRun(ctx, pid, vma, f.pfn, f.index, f.index + n - 1)
      return
    }
  }
  ctx.emit('rmap/fileAdded', { pid, vpn, folio: f.pfn, page: pfn, nrPages: 1, level: 'pte' })
}
