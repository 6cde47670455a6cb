import { unmapFolio } from './punch.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'
import { fileIndex } from './fileFault.ts'
import { PMD_ORDER, suitableOrder } from './thpPolicy.ts'
import { kernelVma } from './vmaOps.ts'
import { FolioList } from './pfnBits.ts'
import { freeTouched, zapPtes } from './zap.ts'

/**
 * collapseOp - MADV_COLLAPSE of [vpn, vpn + nr) of @pid: synchronous khugepaged collapse of every whole
 * aligned PMD range inside, regardless of the THP sysfs policy and of VM_HUGEPAGE.
 * EINVAL: HugeTLB, VM_NOHUGEPAGE, ext4 files, an anon VMA without anon_vma, a VMA that cannot hold an
 * aligned PMD, a PMD range without a PTE table (SCAN_PMD_NULL; the other ranges are still collapsed).
 * A range holding no whole PMD does nothing.
 * Anon: a new THP is allocated, the present pages copied (holes and zero pages stay zero), this mm's
 * PTEs replaced by one PMD; other mms keep the old pages. Shmem: the file range becomes one THP in
 * the page cache, old mappings are unmapped everywhere and this mm maps the THP by a PMD.
 * @see madvise_collapse(), hpage_collapse_scan_pmd(), collapse_huge_page(), collapse_file(),
 *      collapse_pte_mapped_thp() — mm/khugepaged.c
 */
export function collapseOp(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): void {
  const vma = kernelVma(ctx, pid, vpn)
  if (vma === undefined) throw new Refusal('ENOMEM')
  if (vma.kind === 'hugetlb' || vma.kind === 'file' || vma.thp === 'nohugepage') throw new Refusal('EINVAL')
  if (vma.kind === 'anon' && !ctx.anonVmas.has(pid, vpn)) throw new Refusal('EINVAL') // never faulted (or only read): no anon_vma
  let fits = false
  for (let k = Math.ceil(vma.start / 512); k * 512 + 512 <= vma.end && !fits; k++) fits = suitableOrder(vma, k * 512, PMD_ORDER)
  if (!fits) throw new Refusal('EINVAL')
  const hstart = Math.ceil(vpn / 512) * 512
  // a range inside one 2 MiB unit that does not start at its beginning: hend < hstart, EINVAL
  if (Math.floor((vpn + nr) / 512) * 512 < hstart) throw new Refusal('EINVAL')
  const hend = Math.min(Math.floor((vpn + nr) / 512) * 512, Math.floor(vma.end / 512) * 512)
  let failed = false
  for (let base = hstart; base < hend; base += 512) {
    if (ctx.pmdLeaf(pid, base) >= 0) continue
    if (vma.kind === 'anon' ? !collapseAnon(ctx, pid, base, m) : !collapseShmem(ctx, pid, base, m)) failed = true
  }
  if (failed) throw new Refusal('EINVAL')
}

function collapseAnon(ctx: SimContext, pid: number, base: number, m: MapRec): boolean {
  // no PTE table: SCAN_PMD_NULL; a table of none and zero-page PTEs collapses into a zero-filled THP
  if (ctx.pmdNone(pid, base)) return false
  const folio = ctx.allocFolio(PMD_ORDER, 'anon')
  for (let i = 0; i < 512; i++) {
    const pfn = ctx.entry(pid, base + i)
    if (pfn >= 0 && ctx.data.has(pfn)) ctx.data.add(folio + i)
  }
  const touched = new FolioList()
  zapPtes(ctx, pid, base, base + 512, touched)
  ctx.emit('rmap/newAnonAdded', { pid, vpn: base, folio, page: folio, nrPages: 512, level: 'pmd' })
  ctx.emit('collapse/completed', { pid, vpn: base, folio })
  freeTouched(ctx, touched)
  return true
}

function collapseShmem(ctx: SimContext, pid: number, base: number, m: MapRec): boolean {
  const vma = ctx.vma(pid, base)!
  const pc = ctx.files.get(m.file)!
  const idx0 = fileIndex(vma, base)
  if (idx0 % 512 !== 0 || idx0 + 512 > pc.pages) return false
  const old = new Set<number>()
  for (let i = idx0; i < idx0 + 512; i++) {
    const h = pc.cache.get(i)
    if (h !== undefined) old.add(h)
  }
  if (old.size === 1) {
    const h = [...old][0]!
    if (ctx.folio(h).order === PMD_ORDER) {
      unmapFolio(ctx, m.file, h)
      ctx.emit('rmap/fileAdded', { pid, vpn: base, folio: h, page: h, nrPages: 512, level: 'pmd' })
      return true
    }
  }
  const hadData = new Set<number>()
  for (const h of old) {
    const f = ctx.folio(h)
    for (let i = 0; i < 2 ** f.order; i++) if (ctx.data.has(h + i)) hadData.add(f.index + i)
    unmapFolio(ctx, m.file, h)
  }
  for (const h of old) {
    const f = ctx.folio(h)
    for (let i = 0; i < 2 ** f.order; i++) pc.cache.delete(f.index + i)
    ctx.freeIfUnused(h)
  }
  const folio = ctx.allocFolio(PMD_ORDER, 'shmem', m.file, idx0)
  for (let i = 0; i < 512; i++) {
    pc.cache.set(idx0 + i, folio)
    if (hadData.has(idx0 + i)) ctx.data.add(folio + i)
  }
  ctx.emit('rmap/fileAdded', { pid, vpn: base, folio, page: folio, nrPages: 512, level: 'pmd' })
  ctx.emit('collapse/completed', { pid, vpn: base, folio })
  return true
}
