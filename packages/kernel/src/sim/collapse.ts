import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, HPAGE_PUD_NR, PTRS_PER_PMD, type Vma } from '@mmsim/core'
import { shmemMthpPolicy, type KnobSettings } from '../scenario/knobSettings.ts'
import { unmapFolio } from './punch.ts'
import { K_ANON, Refusal, type MapRec, type SimContext } from './simContext.ts'
import { fileIndex } from './fileFault.ts'
import { suitableOrder } from './thpPolicy.ts'
import { kernelVma } from './vmaOps.ts'
import { FolioList } from './pfnBits.ts'
import { freeTouched, zapPtes } from './zap.ts'

/**
 * collapseOp - MADV_COLLAPSE of [vpn, vpn + nr) of @pid: synchronous khugepaged collapse of the whole
 * aligned PMD ranges inside, in address order, regardless of the THP sysfs policy and of VM_HUGEPAGE
 * (anon) — for shmem the per-size policy of 2M must still allow a PMD folio (shmemCollapseAllowed()).
 * EINVAL up front: HugeTLB, VM_NOHUGEPAGE, ext4 files, an anon VMA without anon_vma, a VMA that cannot
 * hold an aligned PMD, shmem whose 2M policy refuses. A range holding no whole PMD does nothing.
 * The walk stops at the first range that fails with a result madvise_collapse() does not continue
 * after, and the call is EINVAL; ranges before it stay collapsed, ranges after it are not touched:
 * an anon range whose PMD is none inside an existing PMD table (SCAN_PMD_NONE), a shmem range with
 * nothing in its page cache (collapse_file(): SCAN_TRUNCATED). An anon range with no PMD table at all
 * (SCAN_PMD_NULL) fails too, but the walk goes on; the call is EINVAL at the end.
 * Anon: a new THP is allocated, the present pages copied (holes and zero pages stay zero), this mm's
 * PTEs replaced by one PMD; other mms keep the old pages. Shmem: the file range becomes one THP in
 * the page cache, old mappings are unmapped everywhere and this mm maps the THP by a PMD.
 * @see madvise_collapse(), find_pmd_or_thp_or_none(), check_pmd_state(), hpage_collapse_scan_pmd(),
 *      collapse_huge_page(), hpage_collapse_scan_file(), collapse_file(), collapse_pte_mapped_thp() —
 *      mm/khugepaged.c
 */
export function collapseOp(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): void {
  const vma = kernelVma(ctx, pid, vpn)
  if (vma === undefined) throw new Refusal('ENOMEM')
  if (vma.kind === 'hugetlb' || vma.kind === 'file' || vma.thp === 'nohugepage') throw new Refusal('EINVAL')
  if (vma.kind === 'anon' && !ctx.anonVmas.has(pid, vpn)) throw new Refusal('EINVAL') // never faulted (or only read): no anon_vma
  if (vma.kind === 'shmem' && !shmemCollapseAllowed(ctx.knobs, vma, ctx.files.get(m.file)!.pages)) throw new Refusal('EINVAL')
  let fits = false
  for (let k = Math.ceil(vma.start / HPAGE_PMD_NR); k * HPAGE_PMD_NR + HPAGE_PMD_NR <= vma.end && !fits; k++) fits = suitableOrder(vma, k * HPAGE_PMD_NR, HPAGE_PMD_ORDER)
  if (!fits) throw new Refusal('EINVAL')
  const hstart = Math.ceil(vpn / HPAGE_PMD_NR) * HPAGE_PMD_NR
  // a range inside one 2 MiB unit that does not start at its beginning: hend < hstart, EINVAL
  if (Math.floor((vpn + nr) / HPAGE_PMD_NR) * HPAGE_PMD_NR < hstart) throw new Refusal('EINVAL')
  const hend = Math.min(Math.floor((vpn + nr) / HPAGE_PMD_NR) * HPAGE_PMD_NR, Math.floor(vma.end / HPAGE_PMD_NR) * HPAGE_PMD_NR)
  let failed = false
  for (let base = hstart; base < hend; base += HPAGE_PMD_NR) {
    if (ctx.pmdLeaf(pid, base) >= 0) continue
    const r = vma.kind === 'anon' ? collapseAnon(ctx, pid, base, m) : collapseShmem(ctx, pid, base, m)
    if (r === 'stop') throw new Refusal('EINVAL')
    if (r === 'skip') failed = true
  }
  if (failed) throw new Refusal('EINVAL')
}

/**
 * shmemCollapseAllowed - MADV_COLLAPSE may make a PMD folio of shmem @vma (memfd or `anon shared`:
 * anonymous shared memory) of a file of @filePages pages: with the forced-collapse flag the top-level
 * check passes (but `deny`), so `inherit` allows it; `always`; `within_size` when the 2M block at the
 * VMA's file offset ends inside the file; `advise` in a VM_HUGEPAGE VMA; `never` refuses. Under
 * `force` only 2M=inherit allows it.
 * @see __thp_vma_allowable_orders() (TVA_FORCED_COLLAPSE), shmem_allowable_huge_orders() — mm/huge_memory.c, mm/shmem.c
 */
export function shmemCollapseAllowed(k: KnobSettings, vma: Vma, filePages: number): boolean {
  if (k.shmemThp === 'deny') return false
  const p = shmemMthpPolicy(k, 2 * 1024 * 1024)
  if (k.shmemThp === 'force') return p === 'inherit'
  switch (p) {
    case 'inherit':
    case 'always':
      return true
    case 'within_size':
      return filePages >= HPAGE_PMD_NR * (Math.floor(vma.pgoff / HPAGE_PMD_NR) + 1)
    case 'advise':
      return vma.thp === 'hugepage'
    default:
      return false
  }
}

/**
 * CollapseResult - one PMD range: collapsed, failed with a result the walk continues after
 * (`skip`), or failed so that the walk stops (`stop`).
 */
type CollapseResult = 'done' | 'skip' | 'stop'

/** pmdTablePresent - @pid has the PMD table covering @vpn's 1 GiB: some PTE table or PMD leaf there. */
function pmdTablePresent(ctx: SimContext, pid: number, vpn: number): boolean {
  const lo = Math.floor(vpn / HPAGE_PUD_NR) * PTRS_PER_PMD
  for (let k = lo; k < lo + PTRS_PER_PMD; k++) if (ctx.pmdLeaf(pid, k * HPAGE_PMD_NR) >= 0 || ctx.pteTable(pid, k * HPAGE_PMD_NR) !== undefined) return true
  return false
}

function collapseAnon(ctx: SimContext, pid: number, base: number, m: MapRec): CollapseResult {
  // no PTE table: SCAN_PMD_NONE (the walk stops) inside an existing PMD table, else SCAN_PMD_NULL; a
  // table of none and zero-page PTEs collapses into a zero-filled THP
  if (ctx.pmdNone(pid, base)) return pmdTablePresent(ctx, pid, base) ? 'stop' : 'skip'
  const folio = ctx.allocFolio(HPAGE_PMD_ORDER, 'anon')
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    const pfn = ctx.entry(pid, base + i)
    if (pfn >= 0 && ctx.data.has(pfn)) ctx.data.add(folio + i)
  }
  const touched = new FolioList()
  zapPtes(ctx, pid, base, base + HPAGE_PMD_NR, touched)
  ctx.emit('rmap/newAnonAdded', { pid, vpn: base, folio, page: folio, nrPages: HPAGE_PMD_NR, level: 'pmd' })
  ctx.emit('collapse/completed', { pid, vpn: base, folio })
  freeTouched(ctx, touched)
  return 'done'
}

function collapseShmem(ctx: SimContext, pid: number, base: number, m: MapRec): CollapseResult {
  const vma = ctx.vma(pid, base)!
  const pc = ctx.files.get(m.file)!
  const idx0 = fileIndex(vma, base)
  if (idx0 % HPAGE_PMD_NR !== 0 || idx0 + HPAGE_PMD_NR > pc.pages) return 'stop'
  const old = new Set<number>()
  for (let i = idx0; i < idx0 + HPAGE_PMD_NR; i++) {
    const h = pc.cache.get(i)
    if (h !== undefined) old.add(h)
  }
  // the whole range is empty (truncated, punched or never written): SCAN_TRUNCATED
  if (old.size === 0) return 'stop'
  if (old.size === 1) {
    const h = [...old][0]!
    if (ctx.folio(h).order === HPAGE_PMD_ORDER) {
      if (mapsAnon(ctx, pid, base)) return 'stop'
      unmapFolio(ctx, m.file, h)
      ctx.emit('rmap/fileAdded', { pid, vpn: base, folio: h, page: h, nrPages: HPAGE_PMD_NR, level: 'pmd' })
      return 'done'
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
  const folio = ctx.allocFolio(HPAGE_PMD_ORDER, 'shmem', m.file, idx0)
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    pc.cache.set(idx0 + i, folio)
    if (hadData.has(idx0 + i)) ctx.data.add(folio + i)
  }
  ctx.markDirty(folio) // collapse_file(): folio_mark_dirty() of a shmem folio, written or not
  // the page cache holds the THP now, but collapse_pte_mapped_thp() maps it only if no PTE of this
  // range maps another page (a private mapping's COW copies): SCAN_FAIL, the walk stops
  if (mapsAnon(ctx, pid, base)) return 'stop'
  ctx.emit('rmap/fileAdded', { pid, vpn: base, folio, page: folio, nrPages: HPAGE_PMD_NR, level: 'pmd' })
  ctx.emit('collapse/completed', { pid, vpn: base, folio })
  return 'done'
}

/** mapsAnon - a PTE of @pid in [base, base + 512) maps an anon page (a COW copy in a private file mapping). */
function mapsAnon(ctx: SimContext, pid: number, base: number): boolean {
  for (let v = base; v < base + HPAGE_PMD_NR; v++) {
    const pfn = ctx.entry(pid, v)
    if (pfn >= 0 && ctx.kindOf(ctx.headOf(pfn)) === K_ANON) return true
  }
  return false
}
