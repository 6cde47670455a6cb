import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { ByteRange } from '../scenario/statements.ts'
import { fileIndex } from './fileFault.ts'
import { addToCache, cached, shmemGetPage } from './pageCache.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'
import { isHugetlb } from './vmaOps.ts'

/**
 * continueOp - `continue RANGE` (contract rule 7): missing page-cache pages of the range are first
 * created through a temporary shared alias (shmem: written, so their contents are not zero; HugeTLB:
 * read), then the range is registered with a minor-mode userfaultfd and one UFFDIO_CONTINUE maps the
 * cached pages with 4K PTEs (HugeTLB: huge entries), stopping with EEXIST at the first present entry.
 * EINVAL when the VMA is neither shmem nor HugeTLB (registration refused).
 * @see userfaultfd_register(), vma_can_userfault(), mfill_atomic_pte_continue(),
 *      hugetlb_mfill_atomic_pte() — fs/userfaultfd.c, mm/userfaultfd.c, mm/hugetlb.c
 */
export function continueOp(ctx: SimContext, pid: number, m: MapRec, r: ByteRange): void {
  const first = m.start + r.offset / PAGE_SIZE
  const nr = r.length / PAGE_SIZE
  const vma = ctx.vma(pid, first)
  if (vma === undefined) throw new Refusal('EINVAL')
  if (vma.kind !== 'shmem' && vma.kind !== 'hugetlb') throw new Refusal('EINVAL')
  const pc = ctx.files.get(m.file)!
  if (isHugetlb(m)) {
    const hp = m.hpages
    if (first % hp !== 0 || nr % hp !== 0) throw new Refusal('EINVAL')
    for (let v = first; v < first + nr; v += hp) {
      const idx = fileIndex(vma, v) / hp
      if (!pc.cache.has(idx)) {
        const free = ctx.pool.get(hp === 512 ? 9 : 18) ?? []
        const pfn = free.shift()
        if (pfn === undefined) throw new Refusal('EFAULT')
        pc.cache.set(idx, pfn)
      }
    }
    for (let v = first; v < first + nr; v += hp) {
      if (ctx.entry(pid, v) >= 0) throw new Refusal('EEXIST')
      const pfn = pc.cache.get(fileIndex(vma, v) / hp)!
      ctx.emit('hugetlb/rmapAdded', { pid, vpn: v, folio: pfn, level: hp === 512 ? 'pmd' : 'pud', mode: 'file', exclusive: false })
    }
    return
  }
  for (let v = first; v < first + nr; v++) {
    const idx = fileIndex(vma, v)
    if (cached(ctx, m.file, idx) >= 0) continue
    const pfn = pc.kind === 'shmem' ? shmemGetPage(ctx, m.file, idx, undefined, v) : addToCache(ctx, m.file, idx, 0)
    ctx.data.add(pfn)
  }
  for (let v = first; v < first + nr; v++) {
    if (ctx.entry(pid, v) >= 0) throw new Refusal('EEXIST')
    const idx = fileIndex(vma, v)
    const head = cached(ctx, m.file, idx)
    ctx.emit('rmap/fileAdded', { pid, vpn: v, folio: head, page: head + (idx - ctx.folio(head).index), nrPages: 1, level: 'pte' })
  }
}
