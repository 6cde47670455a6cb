import { HPAGE_PMD_NR, type Vma } from '@mmsim/core'
import type { MadviseStatement } from '../scenario/statements.ts'
import { collapseOp } from './collapse.ts'
import { hgmCollapse, hgmSplit } from './hgmMadvise.ts'
import { hugetlbZap } from './hugetlb.ts'
import { isLazyFree, markLazyFree, reclaimLazyFree } from './lazyFree.ts'
import { dropFromCache, hasBufferHeads } from './pageCache.ts'
import { punchFile, unmapFolio } from './punch.ts'
import { setReclaim } from './readahead.ts'
import { notModelled, Refusal, type MapRec, type SimContext } from './simContext.ts'
import { splitAnonFolio } from './splitFolio.ts'
import { touchOp } from './touch.ts'
import { fullyCovered, isHugetlb, rangeVpns, vmaPieces } from './vmaOps.ts'
import { reclaimEmptyTables, splitPmdsAt, zapRange } from './zap.ts'

/**
 * madviseOp - `madvise RANGE ADVICE`. ENOMEM when part of the range has no VMA (the kernel still
 * applies the advice to the mapped parts; scenarios here advise mapped ranges).
 * - hugepage/nohugepage/dontfork/dofork: VMA flags (the VMA is split at the range's ends).
 * - dontneed: zap (PMD split at partial ends; empty whole PTE tables reclaimed). HugeTLB: the start
 *   must be huge-page aligned (EINVAL), the end is rounded down.
 * - free: anon only (EINVAL otherwise); a large folio partly inside the range is split; the pages stay
 *   mapped, lazy-free (lazyFree.ts: a later pageout discards the clean ones).
 * - pageout/cold: see pageoutRange().
 * - remove: punch the shared file behind the range (EINVAL for anon, EACCES for private mappings).
 * - collapse: see collapse.ts. populate_read/write: fault the range in. split: EINVAL as on 6.18, unless `set hgm=on` (hgmMadvise.ts, shared HugeTLB only).
 * @see do_madvise(), madvise_vma_behavior(), madvise_dontneed_free(), madvise_free_single_vma(),
 *      madvise_cold_or_pageout_pte_range(), madvise_remove() — mm/madvise.c
 */
export function madviseOp(ctx: SimContext, pid: number, m: MapRec, st: MadviseStatement): void {
  const [vpn, nr] = rangeVpns(m, st.range)
  if (st.advice === 'populate_read' || st.advice === 'populate_write') return populate(ctx, pid, m, vpn, nr, st.advice === 'populate_write')
  // madvise_behavior_valid(): 6.18 knows no advice 26 (the HGM proposal's MADV_SPLIT), so it is EINVAL before
  // the VMA walk can answer ENOMEM for a range without VMAs (measured: corpus madvise-split-unmapped-einval)
  if (st.advice === 'split') {
    if (ctx.knobs.hgm) return hgmSplit(ctx, pid, m, vpn, nr) // model-only HGM v2 (hgmMadvise.ts)
    throw new Refusal('EINVAL')
  }
  const pieces = vmaPieces(ctx, pid, vpn, nr)
  if (pieces.length === 0) throw new Refusal('ENOMEM')
  for (const [a, b] of pieces) advise(ctx, pid, m, st, a, b - a)
  if (!fullyCovered(ctx, pid, vpn, nr)) throw new Refusal('ENOMEM')
}

function advise(ctx: SimContext, pid: number, m: MapRec, st: MadviseStatement, vpn: number, nr: number): void {
  const vma = ctx.vma(pid, vpn)
  switch (st.advice) {
    case 'hugepage':
    case 'nohugepage':
    case 'dontfork':
    case 'dofork': {
      // madvise_update_vma(): a VMA whose flags do not change is left alone (no split)
      const advice = st.advice
      const changes = ctx.vmas(pid).filter((v) => v.start < vpn + nr && v.end > vpn && flagChanges(v, advice))
      if (changes.length === 0) break
      if (isHugetlb(m)) {
        // a HugeTLB VMA splits only at huge-page boundaries (hugetlb_vm_op_split)
        if (vpn % m.hpages !== 0 || (vpn + nr) % m.hpages !== 0) throw new Refusal('EINVAL')
        if (advice === 'hugepage' || advice === 'nohugepage') break
        ctx.hugetlbCuts.cut(pid, vpn, vpn + nr)
      } else splitPmdsAt(ctx, pid, vpn, vpn + nr)
      for (const v of changes) {
        const a = Math.max(v.start, vpn)
        const b = Math.min(v.end, vpn + nr)
        ctx.emit('vma/advised', { pid, vpn: a, nrPages: b - a, advice })
      }
      break
    }
    case 'dontneed':
      if (isHugetlb(m)) {
        if (vma?.hgm === true && (vpn % m.hpages !== 0 || nr % m.hpages !== 0)) notModelled(ctx, 'MADV_DONTNEED of part of a huge page in an HGM VMA')
        if (vpn % m.hpages !== 0) throw new Refusal('EINVAL')
        const n = nr - (nr % m.hpages)
        if (n > 0) hugetlbZap(ctx, pid, vpn, n)
        break
      }
      zapRange(ctx, pid, vpn, nr)
      reclaimEmptyTables(ctx, pid, vpn, nr)
      break
    case 'free':
      if (vma === undefined || vma.kind !== 'anon') throw new Refusal('EINVAL')
      splitPartial(ctx, pid, vpn, nr)
      lazyFreeRange(ctx, pid, vpn, nr)
      break
    case 'pageout':
    case 'cold':
      if (isHugetlb(m)) throw new Refusal('EINVAL')
      pageoutRange(ctx, pid, vpn, nr, st.advice === 'pageout')
      break
    case 'remove':
      if (vma === undefined || vma.kind === 'anon') throw new Refusal('EINVAL')
      if (!vma.shared) throw new Refusal('EACCES')
      punchFile(ctx, m, vma.pgoff + (vpn - vma.start), nr)
      break
    case 'collapse':
      if (ctx.knobs.hgm && isHugetlb(m)) return hgmCollapse(ctx, pid, m, vpn, nr) // HGM v2's hugetlb_collapse()
      collapseOp(ctx, pid, m, vpn, nr)
      break
    case 'populate_read':
    case 'populate_write':
      break
    case 'split':
      throw new Refusal('EINVAL')
  }
}

/** flagChanges - would @advice change the flags of VMA @v? */
function flagChanges(v: Vma, advice: 'hugepage' | 'nohugepage' | 'dontfork' | 'dofork'): boolean {
  if (advice === 'dontfork') return !v.dontfork
  if (advice === 'dofork') return v.dontfork
  return v.thp !== advice
}

/**
 * populate - MADV_POPULATE_READ/WRITE: fault [vpn, vpn + nr) in, page by page, as GUP does: ENOMEM at a
 * page without VMA, EINVAL for a write to a read-only VMA, EFAULT when a fault fails (SIGBUS).
 * @see madvise_populate(), faultin_page_range(), check_vma_flags() — mm/madvise.c, mm/gup.c
 */
function populate(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number, write: boolean): void {
  for (let v = vpn; v < vpn + nr; v++) {
    const vma = ctx.vma(pid, v)
    if (vma === undefined) throw new Refusal('ENOMEM')
    if (write && !vma.writable) throw new Refusal('EINVAL')
    try {
      touchOp(ctx, pid, m, { mapping: m.name, offset: (v - m.start) * 4096, length: 4096 }, write, false) // faults, stores nothing
    } catch (e) {
      if (e instanceof Refusal) throw new Refusal(e.errno === 'SIGBUS' ? 'EFAULT' : e.errno)
      throw e
    }
  }
}

/**
 * splitPartial - MADV_FREE's walk: split every anon large folio mapped in [vpn, vpn + nr) that the range
 * does not cover whole, unless it may be mapped shared.
 * @see madvise_free_huge_pmd(), madvise_free_pte_range() — mm/huge_memory.c, mm/madvise.c
 */
function splitPartial(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  const seen = new Set<number>()
  for (let v = vpn; v < vpn + nr; v++) {
    const pfn = ctx.entry(pid, v)
    if (pfn < 0) continue
    const f = ctx.folioAt(pfn)!
    if (f.order === 0 || f.kind !== 'anon' || seen.has(f.pfn)) continue
    seen.add(f.pfn)
    if (ctx.mmIds.mappedShared(f)) continue
    const first = v - (pfn - f.pfn)
    if (first >= vpn && first + 2 ** f.order <= vpn + nr) continue
    splitAnonFolio(ctx, f.pfn)
  }
}

/**
 * lazyFreeRange - MADV_FREE's second half, after splitPartial(): every anon folio the range maps whole
 * (order 0, a whole PTE-mapped large folio, a PMD covering 2 MiB of the range) becomes lazy-free
 * (markLazyFree()); a large folio still partly inside (it may be mapped shared, so it was not split) is
 * skipped, as are zero pages.
 * @see madvise_free_pte_range(), madvise_free_huge_pmd() — mm/madvise.c, mm/huge_memory.c
 */
function lazyFreeRange(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  const seen = new Set<number>()
  for (let v = vpn; v < vpn + nr; v++) {
    const pfn = ctx.entry(pid, v)
    if (pfn < 0) continue
    const f = ctx.folioAt(pfn)!
    if (f.kind !== 'anon' || seen.has(f.pfn)) continue
    seen.add(f.pfn)
    const first = v - (pfn - f.pfn)
    if (first < vpn || first + 2 ** f.order > vpn + nr) continue
    markLazyFree(ctx, pid, vpn, nr, f.pfn)
  }
}

/**
 * pageoutRange - MADV_PAGEOUT (reclaim) or MADV_COLD (deactivate) of [vpn, vpn + nr), without swap.
 * Walk: a PMD-mapped or PTE-mapped large folio only partly inside the range is split (unless it may be
 * mapped shared; a page-cache folio is left unmapped everywhere by its split); folios mapped shared, or not fully mapped once, are left alone. Pageout then reclaims
 * the isolated folios: anon memory cannot go to swap, so a large anon folio is split to order 0 (its
 * zero-filled pages become zero-page mappings) and its pages stay mapped, except lazy-free (MADV_FREE) folios,
 * which reclaimLazyFree() discards when clean; a page-cache folio is unmapped, and a clean ext4 one dropped
 * from the cache (shmem and dirty pages stay cached; a dirty ext4 one gets PG_reclaim, readahead.ts). A split
 * that fails (a written ext4 folio, hasBufferHeads()) leaves the folio and its range alone.
 * @see madvise_cold_or_pageout_pte_range(), reclaim_pages(), shrink_folio_list() — mm/madvise.c, mm/vmscan.c
 */
export function pageoutRange(ctx: SimContext, pid: number, vpn: number, nr: number, pageout: boolean): void {
  const end = vpn + nr
  const reclaim = new Set<number>()
  for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < end; k++) {
    const lo = Math.max(vpn, k * HPAGE_PMD_NR)
    const hi = Math.min(end, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
    const head = ctx.pmdLeaf(pid, lo)
    if (head >= 0) {
      const f = ctx.folio(head)
      if (f.kind === 'hugezero' || ctx.mmIds.mappedShared(f)) continue
      if (lo === k * HPAGE_PMD_NR && hi === k * HPAGE_PMD_NR + HPAGE_PMD_NR) {
        if (pageout) reclaim.add(head)
        continue
      }
      // split_folio() failed: madvise_cold_or_pageout_pte_range() leaves this PMD range alone
      if (!splitLarge(ctx, head)) continue
      if (f.kind !== 'anon') continue
    }
    let v = lo
    while (v < hi) {
      const pfn = ctx.entry(pid, v)
      const f = pfn < 0 ? undefined : ctx.folioAt(pfn)
      if (f === undefined || f.kind === 'zero') {
        v++
        continue
      }
      const size = 2 ** f.order
      let n = 1
      while (v + n < hi && pfn + n < f.pfn + size && ctx.entry(pid, v + n) === pfn + n) n++
      if (size > 1 && n < size) {
        if (ctx.mmIds.mappedShared(f)) {
          v += n
          continue
        }
        if (!splitLarge(ctx, f.pfn) || f.kind !== 'anon') v += n
        continue
      }
      if (f.ptes + f.entire === size && pageout) reclaim.add(f.pfn)
      v += n
    }
  }
  for (const h of reclaim) reclaimFolio(ctx, h)
}

/**
 * splitLarge - split_folio() of a large folio: anon folios are remapped page by page; a page-cache folio
 * is unmapped from every mm and not remapped (its pages stay cached as order-0 folios). An ext4 folio
 * written through a shared mapping has buffer heads (ext4_page_mkwrite() -> block_page_mkwrite()) that
 * filemap_release_folio() cannot drop while dirty: the split fails with -EBUSY before anything is unmapped.
 * @returns whether the folio was split
 * @see __folio_split(), filemap_release_folio() — mm/huge_memory.c, mm/filemap.c
 */
function splitLarge(ctx: SimContext, head: number): boolean {
  const f = ctx.folio(head)
  if (f.kind === 'anon') {
    splitAnonFolio(ctx, head)
    return true
  }
  if (hasBufferHeads(ctx, head)) return false
  unmapFolio(ctx, f.file, head)
  ctx.emit('folio/split', { folio: head, newOrder: 0 })
  const pc = ctx.files.get(f.file)
  for (let i = 0; i < 2 ** f.order; i++) if (pc?.cache.get(f.index + i) === head) pc.cache.set(f.index + i, head + i)
  return true
}

/** reclaimFolio - shrink_folio_list() on one isolated folio, without swap. */
function reclaimFolio(ctx: SimContext, head: number): void {
  const f = ctx.truth.folio(head)
  if (f === undefined) return
  if (f.kind === 'anon') {
    if (isLazyFree(ctx, head)) reclaimLazyFree(ctx, head)
    else if (f.order > 0) splitAnonFolio(ctx, head)
    return
  }
  unmapFolio(ctx, f.file, head)
  let dirty = false
  for (let i = 0; i < 2 ** f.order; i++) dirty ||= ctx.data.has(head + i) || ctx.markedDirty.has(head + i)
  // a dirty ext4 folio stays cached with PG_reclaim (direct reclaim does not write file pages back)
  if (f.kind === 'file') dirty ? setReclaim(ctx, head) : dropFromCache(ctx, head)
  // a clean shmem folio (never dirtied: its PTEs' dirty bits went to it at the unmap) leaves the page cache
  // (__remove_mapping(): a later fault allocates a zeroed page, fault-around finds nothing to map); a dirty
  // one has no swap to go to (shmem_writeout() redirties it: AOP_WRITEPAGE_ACTIVATE) and stays
  else if (f.kind === 'shmem' && !dirty) dropFromCache(ctx, head)
}
