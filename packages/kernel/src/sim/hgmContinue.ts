import { PAGE_SIZE } from '../scenario/sizes.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR } from '@mmsim/core'
import type { ByteRange } from '../scenario/statements.ts'
import { hugetlbAliasPopulate } from './hugetlb.ts'
import { cachedHuge, hugeLeaf } from './hgmFault.ts'
import { hgmTables, hgmWalkAlloc4K, hgmWalkAllocPmd } from './hgmWalk.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'
import { inOneVma } from './vmaOps.ts'

/**
 * hgmContinue - `continue RANGE` in an HGM-enabled shared HugeTLB VMA (`set hgm=on`, model-only):
 * 1. the runner's temporary shared alias puts the huge pages the range touches into the page cache
 *    (rounded outward to whole huge pages; ENOMEM when the pool cannot reserve them);
 * 2. UFFDIO_REGISTER (minor): every VMA of the range must be shmem or HugeTLB (EINVAL);
 * 3. UFFDIO_CONTINUE: the range must lie in one VMA, all of it HGM (VM_HUGETLB_HGM is a VMA flag; ENOENT);
 *    __mcopy_atomic_hugetlb() with use_hgm checks PAGE_SIZE alignment only, then maps piece by piece at
 *    the size hugetlb_alloc_largest_pte() picks: the largest that is aligned at the address and fits in
 *    what is left — a whole huge page by one hstate-level entry (`hugetlb/rmapAdded`, mode file); in a
 *    1 GiB page a 2 MiB-aligned 2 MiB piece by an HGM PMD (`hugetlb/hgmRmapAdded`, level pmd) after the
 *    walk allocated the PMD table under the PUD; else a 4K PTE (`hugetlb/hgmRmapAdded`, level pte) after
 *    the walk allocated the PMD table (1 GiB VMA) and PTE table it needs (`hugetlb/hgmTableAllocated`,
 *    hugetlb_full_walk_alloc()).
 *    A present entry where the piece goes (a PMD that points to a PTE table is not none either:
 *    huge_pte_none_mostly()), or a bigger leaf above it (hpte->shift > shift), is EEXIST at the first
 *    piece, else EAGAIN (the bytes mapped so far are returned); a page not in the page cache likewise
 *    EFAULT / EAGAIN.
 * @see mfill_atomic_hugetlb()/__mcopy_atomic_hugetlb(), hugetlb_alloc_largest_pte(), hugetlb_mcopy_atomic_pte(),
 *   hugetlb_add_file_rmap() — HGM v2 series ("hugetlb: add HGM support for high-granularity UFFDIO_CONTINUE")
 */
export function hgmContinue(ctx: SimContext, pid: number, m: MapRec, r: ByteRange): void {
  const first = m.start + r.offset / PAGE_SIZE
  const nr = r.length / PAGE_SIZE
  const end = first + nr
  const hp = m.hpages
  const idx0 = m.pgoff + (first - m.start)
  const lo = Math.floor(idx0 / hp)
  hugetlbAliasPopulate(ctx, m.file, lo, Math.ceil((idx0 + nr) / hp) - lo, hp)
  const vmas = ctx.vmas(pid).filter((v) => v.start < end && v.end > first)
  if (vmas.length === 0 || vmas.some((v) => v.kind !== 'shmem' && v.kind !== 'hugetlb')) throw new Refusal('EINVAL')
  const vma = ctx.vma(pid, first)
  if (vma === undefined || !inOneVma(ctx, pid, first, nr) || vmas.some((v) => v.hgm !== true)) throw new Refusal('ENOENT')
  for (let curr = first; curr < end; ) {
    const fail = (errno: string): never => {
      throw new Refusal(curr > first ? 'EAGAIN' : errno)
    }
    const base = curr - (curr % hp)
    if (curr === base && curr + hp <= end) {
      if (hugeLeaf(ctx, pid, base, hp) || hgmTables(ctx).hasTables(pid, base, hp)) fail('EEXIST')
      const pfn = cachedHuge(ctx, m, vma, curr)
      if (pfn < 0) fail('EFAULT')
      ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: pfn, level: hp === HPAGE_PMD_NR ? 'pmd' : 'pud', mode: 'file', exclusive: false })
      curr += hp
      continue
    }
    if (hp === HPAGE_PUD_NR && curr % HPAGE_PMD_NR === 0 && curr + HPAGE_PMD_NR <= end) {
      if (hugeLeaf(ctx, pid, base, hp)) fail('EEXIST')
      hgmWalkAllocPmd(ctx, pid, curr)
      if (ctx.pmdLeaf(pid, curr) >= 0 || hgmTables(ctx).hasPte(pid, curr)) fail('EEXIST')
      const pfn = cachedHuge(ctx, m, vma, curr)
      if (pfn < 0) fail('EFAULT')
      ctx.emit('hugetlb/hgmRmapAdded', { pid, vpn: curr, folio: pfn, page: pfn + (curr - base), level: 'pmd' })
      curr += HPAGE_PMD_NR
      continue
    }
    if (hugeLeaf(ctx, pid, base, hp) || (hp === HPAGE_PUD_NR && ctx.pmdLeaf(pid, curr) >= 0)) fail('EEXIST')
    hgmWalkAlloc4K(ctx, pid, curr, hp)
    if (ctx.entry(pid, curr) >= 0) fail('EEXIST')
    const pfn = cachedHuge(ctx, m, vma, curr)
    if (pfn < 0) fail('EFAULT')
    ctx.emit('hugetlb/hgmRmapAdded', { pid, vpn: curr, folio: pfn, page: pfn + (curr - base), level: 'pte' })
    curr++
  }
}
