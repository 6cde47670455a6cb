import { HPAGE_PMD_NR, HPAGE_PUD_NR, type Vma } from '@mmsim/core'
import { hgmTables, hgmWalkAlloc4K } from './hgmWalk.ts'
import { hgmZapHuge } from './hgmZap.ts'
import { notModelled, Refusal, type MapRec, type SimContext } from './simContext.ts'
import { fullyCovered } from './vmaOps.ts'

/**
 * MADV_SPLIT and MADV_COLLAPSE on HugeTLB under `set hgm=on` (model-only: HGM v2, "[PATCH v2 00/46]
 * hugetlb: introduce HugeTLB high-granularity mapping", James Houghton, Feb 2023; MAP_SHARED only).
 */

const overlapping = (ctx: SimContext, pid: number, vpn: number, nr: number): readonly Vma[] =>
  ctx.vmas(pid).filter((v) => v.start < vpn + nr && v.end > vpn)

/**
 * hgmSplit - `madvise RANGE split` (MADV_SPLIT, advice 26) with HGM: madvise_behavior_valid() accepts it;
 * each VMA of the range must be a shared HugeTLB VMA (madvise_split(): is_vm_hugetlb_page() and
 * hugetlb_hgm_eligible(), VM_MAYSHARE; else EINVAL, the VMAs before it keep the advice) and gets
 * VM_HUGETLB_HGM through madvise_update_vma() (split at the range's ends: huge-page aligned or EINVAL,
 * hugetlb_vm_op_split(); a VMA that has it already is left alone). Nothing is remapped: one
 * `hugetlb/hgmEnabled` per VMA changed. ENOMEM after the walk when the range has holes.
 * Refused (not modelled): a 2 MiB VMA holding a whole aligned 1 GiB region, whose PMD table may be
 * shared: madvise_split() unshares it (hugetlb_unshare_all_pmds()) and want_pmd_share() for HGM VMAs
 * is not followed here.
 * @see madvise_split(), madvise_update_vma() — HGM v2 series, mm/madvise.c
 */
export function hgmSplit(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): void {
  const vmas = overlapping(ctx, pid, vpn, nr)
  if (vmas.length === 0) throw new Refusal('ENOMEM')
  for (const v of vmas) {
    if (v.kind !== 'hugetlb' || !v.shared) throw new Refusal('EINVAL')
    if (m.hpages === HPAGE_PMD_NR && Math.ceil(v.start / HPAGE_PUD_NR) * HPAGE_PUD_NR + HPAGE_PUD_NR <= v.end) {
      notModelled(ctx, 'MADV_SPLIT of a 2 MiB HugeTLB VMA holding a whole 1 GiB region (its PMD table may be shared: hugetlb_unshare_all_pmds())')
    }
    if (v.hgm === true) continue
    const a = Math.max(v.start, vpn)
    const b = Math.min(v.end, vpn + nr)
    if ((a !== v.start && a % m.hpages !== 0) || (b !== v.end && b % m.hpages !== 0)) throw new Refusal('EINVAL')
    ctx.emit('hugetlb/hgmEnabled', { pid, vpn: a, nrPages: b - a })
  }
  if (!fullyCovered(ctx, pid, vpn, nr)) throw new Refusal('ENOMEM')
}

/**
 * hgmCollapse - `madvise RANGE collapse` on a HugeTLB mapping with HGM (madvise_collapse() ->
 * hugetlb_collapse(), per VMA of the range):
 * - a private VMA: EINVAL; a shared VMA without HGM: nothing to do (0);
 * - every whole huge page of the range whose hstate-level entry points to HGM tables: its
 *   high-granularity entries are zapped (`hugetlb/hgmRmapRemoved` each, __unmap_hugepage_range()), the
 *   tables freed (hugetlb_free_pgd_range()), and the page-cache page mapped by one hstate-level entry
 *   (`hugetlb/rmapAdded`, mode file: page_dup_file_rmap(hpage, true)); holes are filled ("Any holes in the
 *   mapping will be filled"). A none or already huge entry is left alone;
 * - a part of the range smaller than a huge page (2 MiB VMA): hugetlb_alloc_largest_pte() walks each 4K:
 *   under a huge PMD it is EEXIST (hpte->shift > PAGE_SHIFT), under a none PMD the walk allocates a PTE
 *   table (`hugetlb/hgmTableAllocated`) and maps nothing; 1 GiB VMA: not modelled (the series' walk over less than the hstate size is not followed).
 * Other mms keep their HGM entries (the collapse walks this mm only).
 * @see hugetlb_collapse(), hugetlb_alloc_largest_pte() — HGM v2 series ("hugetlb: add MADV_COLLAPSE for hugetlb")
 */
export function hgmCollapse(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): void {
  const vmas = overlapping(ctx, pid, vpn, nr)
  if (vmas.length === 0) throw new Refusal('ENOMEM')
  const hp = m.hpages
  for (const v of vmas) {
    if (v.kind !== 'hugetlb' || !v.shared) throw new Refusal('EINVAL')
    if (v.hgm !== true) continue
    const end = Math.min(v.end, vpn + nr)
    for (let curr = Math.max(v.start, vpn); curr < end; ) {
      const base = curr - (curr % hp)
      if (curr === base && curr + hp <= end) {
        collapseHuge(ctx, pid, m, v, base)
        curr += hp
        continue
      }
      if (hp === HPAGE_PUD_NR) notModelled(ctx, 'MADV_COLLAPSE of part of a 1 GiB HGM page (hugetlb_collapse() over less than the hstate size is not followed)')
      if (ctx.pmdLeaf(pid, curr) >= 0) throw new Refusal('EEXIST')
      hgmWalkAlloc4K(ctx, pid, curr, hp)
      curr = Math.min(end, base + hp)
    }
  }
  if (!fullyCovered(ctx, pid, vpn, nr)) throw new Refusal('ENOMEM')
}

function collapseHuge(ctx: SimContext, pid: number, m: MapRec, v: Vma, base: number): void {
  const hp = m.hpages
  const t = hgmTables(ctx)
  if (!t.hasTables(pid, base, hp)) return // none or a present leaf: "no work to do"
  // HGM entries map only page-cache pages (a punch zaps every mapping before the page leaves the
  // cache), so the folio the zap unmaps stays held by the cache: nothing goes back to the pool here
  hgmZapHuge(ctx, pid, base, hp)
  t.free(pid, base, hp)
  const hpage = ctx.files.get(m.file)?.cache.get((v.pgoff + (base - v.start)) / hp)
  if (hpage === undefined) return // huge_pte_clear(): no page in the page cache, the entry stays none
  ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: hpage, level: hp === HPAGE_PMD_NR ? 'pmd' : 'pud', mode: 'file', exclusive: false })
}
