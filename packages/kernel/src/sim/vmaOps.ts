import { HPAGE_PMD_NR, HPAGE_PUD_NR, type Vma, type VmaKind } from '@mmsim/core'
import type { MappingInfo } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { ByteRange } from '../scenario/statements.ts'
import { hgmTables } from './hgmWalk.ts'
import { hugetlbReserve, hugetlbUnreserve, hugetlbUnusedReservations, hugetlbZap } from './hugetlb.ts'
import { mappingVpn } from './placement.ts'
import { pmdTablesFreed } from './pmdShare.ts'
import { mergeableVmas, notModelled, Refusal, type MapRec, type SimContext } from './simContext.ts'
import { FolioList } from './pfnBits.ts'
import { freeTouched, splitPmdsAt, zapRange } from './zap.ts'

const HUGE_PAGES = { hugetlb2M: HPAGE_PMD_NR, hugetlb1G: HPAGE_PUD_NR } as const

/** isHugetlb - is @m a HugeTLB mapping? */
export function isHugetlb(m: MapRec): boolean {
  return m.kind === 'hugetlb2M' || m.kind === 'hugetlb1G'
}

/** rangeVpns - [vpn, vpn + nr) of byte range @r of mapping @m. */
export function rangeVpns(m: MapRec, r: ByteRange): [number, number] {
  return [m.start + r.offset / PAGE_SIZE, r.length / PAGE_SIZE]
}

/**
 * mmapOp - `mmap NAME SIZE KIND SHARING`: a new VMA at the mapping's slot. MAP_SHARED anon memory is a
 * shmem file of its own; shmem/file/HugeTLB mappings use the scenario's file @fileOf(info.file).
 * HugeTLB mappings reserve their pages now: ENOMEM when the pool cannot cover them.
 * @see do_mmap(), mmap_region(), shmem_zero_setup(), hugetlb_reserve_pages() — mm/mmap.c, mm/vma.c,
 *      mm/shmem.c, mm/hugetlb.c
 */
export function mmapOp(ctx: SimContext, proc: string, pid: number, info: MappingInfo, fileOf: (scopeFile: number, kind: MapRec['kind'], pages: number) => number): void {
  const nr = info.size / PAGE_SIZE
  const shared = info.sharing === 'shared'
  let file = 0
  let kind: VmaKind = 'anon'
  if (info.kind === 'anon' && shared) {
    file = ctx.newFile('shmem', nr)
    kind = 'shmem'
  } else if (info.kind !== 'anon') {
    file = fileOf(info.file!, info.kind, nr)
    kind = info.kind === 'hugetlb2M' || info.kind === 'hugetlb1G' ? 'hugetlb' : info.kind
  }
  const m: MapRec = {
    name: info.name, start: mappingVpn(info), nrPages: nr, kind: info.kind === 'anon' && shared ? 'shmem' : info.kind,
    shared, file, pgoff: info.fileOffset / PAGE_SIZE, hpages: info.kind === 'anon' || info.kind === 'shmem' || info.kind === 'file' ? 1 : HUGE_PAGES[info.kind],
    anonShared: info.kind === 'anon' && shared,
  }
  ctx.mappings(proc).set(info.name, m)
  if (isHugetlb(m)) hugetlbReserve(ctx, pid, m)
  ctx.emit('vma/mapped', { pid, vpn: m.start, nrPages: nr, kind, shared, writable: true, file, pgoff: m.pgoff })
}

/** checkHugeAligned - HugeTLB VMAs only accept ranges aligned to their page size (EINVAL). */
function checkHugeAligned(m: MapRec, vpn: number, nr: number): void {
  if (isHugetlb(m) && (vpn % m.hpages !== 0 || nr % m.hpages !== 0)) throw new Refusal('EINVAL')
}

/**
 * munmapOp - `munmap RANGE`: PMD leaves straddling the range's ends are split, the range is zapped and
 * leaves every VMA; its PTE tables are freed where no VMA is left in their 2 MiB span.
 * @see do_vmi_munmap(), vms_clear_ptes(), unmap_region() — mm/vma.c
 */
export function munmapOp(ctx: SimContext, pid: number, m: MapRec, r: ByteRange): void {
  const [vpn, nr] = rangeVpns(m, r)
  if (coveredPart(ctx, pid, vpn, nr)) checkHugeAligned(m, vpn, nr)
  if (isHugetlb(m)) {
    hugetlbZap(ctx, pid, vpn, nr)
    hugetlbUnreserve(ctx, pid, m, vpn, nr)
    pmdTablesFreed(ctx, pid, vpn, nr)
    if (ctx.knobs.hgm) hgmTables(ctx).free(pid, vpn, nr) // free_pgtables() of HGM tables (hgmWalk.ts)
  } else {
    splitPmdsAt(ctx, pid, vpn, vpn + nr)
    zapRange(ctx, pid, vpn, nr)
  }
  if (coveredPart(ctx, pid, vpn, nr)) ctx.emit('vma/unmapped', { pid, vpn, nrPages: nr })
}

/** coveredPart - does any VMA of @pid overlap [vpn, vpn + nr)? */
function coveredPart(ctx: SimContext, pid: number, vpn: number, nr: number): boolean {
  return ctx.vmas(pid).some((v) => v.start < vpn + nr && v.end > vpn)
}

/** fullyCovered - is [vpn, vpn + nr) all inside VMAs of @pid? */
export function fullyCovered(ctx: SimContext, pid: number, vpn: number, nr: number): boolean {
  let at = vpn
  for (const v of ctx.vmas(pid)) {
    if (v.end <= at || v.start > at) continue
    at = v.end
    if (at >= vpn + nr) return true
  }
  return at >= vpn + nr
}

/**
 * inOneVma - does [vpn, vpn + nr) lie inside one kernel VMA of @pid? Adjacent core VMAs with the same
 * flags and contiguous file offsets count as one, as the kernel merges them (vma_merge).
 * @see vma_merge_existing_range(), is_mergeable_vma() — mm/vma.c
 */
export function inOneVma(ctx: SimContext, pid: number, vpn: number, nr: number): boolean {
  let prev: Vma | undefined
  let at = vpn
  for (const v of ctx.vmas(pid)) {
    if (v.end <= at) continue
    if (v.start > at) return false
    if (prev !== undefined && !sameKernelVma(ctx, pid, prev, v)) return false
    prev = v
    at = v.end
    if (at >= vpn + nr) return v.kind !== 'hugetlb' || ctx.hugetlbCuts.inside(pid, vpn, vpn + nr).length === 0
  }
  return false
}

/** sameKernelVma - would the kernel have adjacent core VMAs @a and @b of @pid as one VMA? */
export function sameKernelVma(ctx: SimContext, pid: number, a: Vma, b: Vma): boolean {
  if (a.kind === 'hugetlb' && ctx.hugetlbCuts.has(pid, a.end)) return false // never merged again (hugetlbVmaCuts.ts)
  return mergeableVmas(a, b) && ctx.anonVmas.id(pid, a.start) === ctx.anonVmas.id(pid, b.start)
}

/**
 * kernelVma - the kernel's VMA of @pid containing @vpn: the core VMA extended over the adjacent core
 * VMAs the kernel would have kept merged with it (the core splits a VMA at every mprotect/madvise
 * range, the kernel merges identical neighbours back, vma_merge_existing_range()).
 */
export function kernelVma(ctx: SimContext, pid: number, vpn: number): Vma | undefined {
  const vmas = ctx.vmas(pid)
  const i = vmas.findIndex((v) => v.start <= vpn && vpn < v.end)
  if (i < 0) return undefined
  let lo = i
  let hi = i
  while (lo > 0 && sameKernelVma(ctx, pid, vmas[lo - 1]!, vmas[lo]!)) lo--
  while (hi + 1 < vmas.length && sameKernelVma(ctx, pid, vmas[hi]!, vmas[hi + 1]!)) hi++
  let start = vmas[lo]!.start
  let end = vmas[hi]!.end
  if (vmas[i]!.kind === 'hugetlb') {
    // a cut the core does not hold (a userfaultfd registration's) bounds the kernel's VMA too
    for (const c of ctx.hugetlbCuts.inside(pid, start, end)) {
      if (c <= vpn) start = c
      else if (c < end) end = c
    }
  }
  return { ...vmas[i]!, start, end, pgoff: vmas[lo]!.pgoff + (start - vmas[lo]!.start) }
}

/**
 * vmaPieces - the parts of [vpn, vpn + nr) of @pid inside kernel VMAs (adjacent mergeable core VMAs
 * joined), in address order: [start, end) pairs.
 */
export function vmaPieces(ctx: SimContext, pid: number, vpn: number, nr: number): [number, number][] {
  const out: [number, number][] = []
  let prev: Vma | undefined
  for (const v of ctx.vmas(pid)) {
    if (v.end <= vpn || v.start >= vpn + nr) continue
    const a = Math.max(v.start, vpn)
    const b = Math.min(v.end, vpn + nr)
    const last = out[out.length - 1]
    if (last !== undefined && prev !== undefined && sameKernelVma(ctx, pid, prev, v) && last[1] === a) last[1] = b
    else out.push([a, b])
    if (v.kind === 'hugetlb') {
      for (const c of ctx.hugetlbCuts.inside(pid, a, b)) {
        const cur = out[out.length - 1]!
        out.push([c, cur[1]])
        cur[1] = c
      }
    }
    prev = v
  }
  return out
}


/**
 * mprotectOp - `mprotect RANGE ro|rw`: the VMA is split at the range's ends (splitting PMD leaves
 * there); PMD leaves inside stay. ENOMEM at the first part of the range without VMA (the VMAs before
 * it are changed).
 * @see mprotect_fixup(), change_protection(), change_huge_pmd() — mm/mprotect.c, mm/huge_memory.c
 */
export function mprotectOp(ctx: SimContext, pid: number, m: MapRec, r: ByteRange, prot: 'ro' | 'rw'): void {
  const [vpn, range] = rangeVpns(m, r)
  // do_mprotect_pkey(): VMA by VMA from the start; at the first gap it stops with ENOMEM, keeping what
  // it changed before the gap
  let nr = 0
  for (const v of ctx.vmas(pid)) {
    if (v.end <= vpn + nr) continue
    if (v.start > vpn + nr || vpn + nr >= vpn + range) break
    nr = Math.min(v.end, vpn + range) - vpn
  }
  if (nr === 0) throw new Refusal('ENOMEM')
  // mprotect_fixup(): a VMA whose protection does not change is left alone (no split)
  const writable = prot === 'rw'
  const changes = ctx.vmas(pid).filter((v) => v.start < vpn + nr && v.end > vpn && v.writable !== writable)
  if (changes.length > 0) {
    checkHugeAligned(m, vpn, nr)
    splitPmdsAt(ctx, pid, vpn, vpn + nr)
    if (isHugetlb(m)) ctx.hugetlbCuts.cut(pid, vpn, vpn + nr)
    for (const v of changes) {
      const a = Math.max(v.start, vpn)
      ctx.emit('vma/protected', { pid, vpn: a, nrPages: Math.min(v.end, vpn + nr) - a, writable })
    }
  }
  if (nr < range) throw new Refusal('ENOMEM')
}

/**
 * mremapOp - `mremap RANGE B`: the range moves to B's slot with its entries (MREMAP_MAYMOVE|FIXED, same
 * length): every VMA in the range moves, the gaps between them kept (EFAULT if the range starts in a gap).
 * PMD leaves at the range's ends are split; inside, a PMD moves whole when source and destination have
 * the same offset in their PMDs, else it is split first.
 * @see remap_move(), move_vma(), move_page_tables(), move_pgt_entry() — mm/mremap.c
 */
export function mremapOp(ctx: SimContext, proc: string, pid: number, m: MapRec, r: ByteRange, target: MappingInfo): void {
  const [vpn, nr] = rangeVpns(m, r)
  const newVpn = mappingVpn(target)
  const t: MapRec = { ...m, name: target.name, start: newVpn, nrPages: nr, pgoff: m.pgoff + r.offset / PAGE_SIZE }
  ctx.mappings(proc).set(target.name, t) // the name exists even when the kernel refuses (contract rule 1)
  // 6.17+ moves every VMA of the range, keeping the gaps between them; only a gap at the start is EFAULT
  if (ctx.vma(pid, vpn) === undefined) throw new Refusal('EFAULT')
  checkHugeAligned(m, vpn, nr)
  if (ctx.vmas(pid).some((v) => v.hgm === true && v.start < vpn + nr && v.end > vpn)) notModelled(ctx, 'mremap of an HGM VMA (move_hugetlb_page_tables() over hugetlb_pte)')
  if (isHugetlb(m) && !m.shared) {
    // 6.18 leaks the reservations of a private HugeTLB VMA that mremap splits (live, kernel-behaviour §8.6)
    const v = kernelVma(ctx, pid, vpn)
    if (v !== undefined && (v.start < vpn || v.end > vpn + nr) && hugetlbUnusedReservations(ctx, pid, m, v.start, v.end - v.start)) {
      notModelled(ctx, 'mremap of part of a private HugeTLB VMA with unused reservations (6.18 leaks them: docs/kernel-behaviour.md §8.6)')
    }
  }
  if (!isHugetlb(m)) {
    splitPmdsAt(ctx, pid, vpn, vpn + nr)
    if ((newVpn - vpn) % HPAGE_PMD_NR !== 0) for (let k = Math.ceil(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < vpn + nr; k++) splitPmdsAt(ctx, pid, k * HPAGE_PMD_NR + 1)
  }
  // one event per core VMA piece (the kernel's merged VMA may be several core VMAs)
  const pieces = ctx.vmas(pid).filter((v) => v.start < vpn + nr && v.end > vpn).map((v) => [Math.max(v.start, vpn), Math.min(v.end, vpn + nr)] as const)
  for (const [a, b] of pieces) ctx.emit('vma/moved', { pid, vpn: a, nrPages: b - a, newVpn: newVpn + (a - vpn) })
  ctx.anonVmas.move(pid, vpn, nr, newVpn)
  if (isHugetlb(m)) ctx.hugetlbCuts.move(pid, vpn, nr, newVpn)
}

/**
 * exitOp - `exit`: exit_mmap() zaps every VMA, then the mm goes away.
 * @see exit_mmap(), unmap_vmas() — mm/mmap.c, mm/memory.c
 */
export function exitOp(ctx: SimContext, proc: string, pid: number): void {
  const touched = new FolioList()
  for (const v of ctx.vmas(pid)) {
    if (v.kind === 'hugetlb') {
      hugetlbZap(ctx, pid, v.start, v.end - v.start)
      pmdTablesFreed(ctx, pid, v.start, v.end - v.start)
    }
    else zapRange(ctx, pid, v.start, v.end - v.start, { touched })
  }
  for (const m of ctx.mappings(proc).values()) if (isHugetlb(m)) hugetlbUnreserve(ctx, pid, m, m.start, m.nrPages)
  if (ctx.knobs.hgm) hgmTables(ctx).exit(pid)
  freeTouched(ctx, touched)
  ctx.emit('process/exited', { pid })
  ctx.anonVmas.exit(pid)
  ctx.hugetlbCuts.exit(pid)
  ctx.procs.delete(proc)
}
