import { HPAGE_PMD_NR, type Vma } from '@mmsim/core'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { ByteRange } from '../scenario/statements.ts'
import { continueLeftTable } from './continueTables.ts'
import { fileIndex } from './fileFault.ts'
import { hgmContinue } from './hgmContinue.ts'
import { hugetlbAliasPopulate } from './hugetlb.ts'
import { cached, fileGetPage, shmemGetPage } from './pageCache.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'
import { inOneVma, isHugetlb, kernelVma } from './vmaOps.ts'
import { splitPmdsAt } from './zap.ts'

/**
 * continueOp - `continue RANGE` (contract rule 7): missing page-cache pages of the range are first
 * created through a temporary shared alias (shmem: written, so their contents are not zero; HugeTLB:
 * read), then the range is registered with a minor-mode userfaultfd and one UFFDIO_CONTINUE maps the
 * cached pages with 4K PTEs (HugeTLB: huge entries), stopping at the first present entry: EEXIST if it
 * is the first page, else EAGAIN (a partial copy: mfill_atomic() returns the bytes mapped). A page not
 * in the page cache is EFAULT at the first page (shmem_get_folio(SGP_NOALLOC) in
 * mfill_atomic_pte_continue()), else EAGAIN: so for `anon shared`, which gets no pre-fill, a range never
 * touched is EFAULT.
 * The registration splits a VMA the range covers only in part, dropping a shmem PMD mapped across
 * the cut, so a continue of part of a PMD-mapped THP maps that part with PTEs (registerSplit()).
 * A private VMA at the range's start gets an anon_vma (fork then copies its PTEs).
 * EINVAL when a VMA of the range is neither shmem nor HugeTLB (registration refused); ENOENT when the
 * range does not lie in one VMA (validate_dst_vma()).
 * @see userfaultfd_register(), vma_can_userfault(), uffd_mfill_lock(), mfill_atomic_pte_continue(),
 *      hugetlb_mfill_atomic_pte() — fs/userfaultfd.c, mm/userfaultfd.c, mm/hugetlb.c
 */
export function continueOp(ctx: SimContext, pid: number, m: MapRec, r: ByteRange): void {
  const first = m.start + r.offset / PAGE_SIZE
  const nr = r.length / PAGE_SIZE
  if (ctx.knobs.hgm && isHugetlb(m) && ctx.vma(pid, first)?.hgm === true) return hgmContinue(ctx, pid, m, r) // HGM v2 (hgmContinue.ts)
  const pc = ctx.files.get(m.file)
  // 1. the alias: missing page-cache pages of the file range are created; `anon shared` has no file to
  // map an alias of (contract v1.1 item 10), so UFFDIO_CONTINUE sees only the pages its faults created
  if (pc !== undefined && !m.anonShared) populate(ctx, m, first, nr)
  // 2. UFFDIO_REGISTER (minor): every VMA in the range must be shmem or HugeTLB
  const vmas = ctx.vmas(pid).filter((v) => v.start < first + nr && v.end > first)
  if (vmas.length === 0 || vmas.some((v) => v.kind !== 'shmem' && v.kind !== 'hugetlb')) throw new Refusal('EINVAL')
  if (!isHugetlb(m)) registerSplit(ctx, pid, first, nr)
  else ctx.hugetlbCuts.cut(pid, first, first + nr) // split for VM_UFFD_MINOR, never merged back on unregister
  // 3. UFFDIO_CONTINUE: a private VMA at the range's start gets an anon_vma (uffd_mfill_lock() ->
  // find_vma_and_prepare_anon()), also when the range then turns out not to lie in one VMA (ENOENT)
  const vma = ctx.vma(pid, first)
  if (vma !== undefined && !vma.shared) ctx.prepareAnonVma(pid, first)
  if (vma === undefined || !inOneVma(ctx, pid, first, nr)) throw new Refusal('ENOENT')
  if (isHugetlb(m)) {
    const hp = m.hpages
    if (first % hp !== 0 || nr % hp !== 0) throw new Refusal('EINVAL')
    for (let v = first; v < first + nr; v += hp) {
      if (ctx.entry(pid, v) >= 0) throw new Refusal(v > first ? 'EAGAIN' : 'EEXIST')
      const pfn = pc!.cache.get(fileIndex(vma, v) / hp)
      if (pfn === undefined) throw new Refusal(v > first ? 'EAGAIN' : 'EFAULT')
      ctx.emit('hugetlb/rmapAdded', { pid, vpn: v, folio: pfn, level: hp === HPAGE_PMD_NR ? 'pmd' : 'pud', mode: 'file', exclusive: false })
    }
    return
  }
  for (let v = first; v < first + nr; v++) {
    if (ctx.entry(pid, v) >= 0) throw new Refusal(v > first ? 'EAGAIN' : 'EEXIST')
    const idx = fileIndex(vma, v)
    const head = cached(ctx, m.file, idx)
    if (head < 0) {
      continueLeftTable(ctx, pid, vma, v) // __pte_alloc() came first (continueTables.ts)
      throw new Refusal(v > first ? 'EAGAIN' : 'EFAULT')
    }
    ctx.emit('rmap/fileAdded', { pid, vpn: v, folio: head, page: head + (idx - ctx.folio(head).index), nrPages: 1, level: 'pte' })
    // installed dirty (mfill_atomic_install_pte() -> pte_mkdirty()): smaps counts it dirty, and reclaim hands
    // the dirty bit to the folio; the folio itself stays clean until then (cleanPteWrites.ts)
    const page = head + (idx - ctx.folio(head).index)
    if (!ctx.data.has(page)) {
      ctx.data.add(page)
      ctx.cleanWrites.pages.add(page)
    }
    ctx.cleanWrites.wrote(pid, v, -1)
  }
}

/**
 * registerSplit - UFFDIO_REGISTER of [first, first + nr) splits the VMAs it only partly covers at the
 * range's ends (the new VM_UFFD_MINOR flag), and a shmem PMD mapping across such an end is dropped
 * (file PMDs are not split into PTEs); UFFDIO_UNREGISTER merges the parts back, the PMD stays gone.
 * @see userfaultfd_register_range(), vma_modify_flags_uffd(), vma_adjust_trans_huge() —
 *      mm/userfaultfd.c, mm/vma.c, mm/huge_memory.c
 */
function registerSplit(ctx: SimContext, pid: number, first: number, nr: number): void {
  const lo = kernelVma(ctx, pid, first)
  const hi = kernelVma(ctx, pid, first + nr - 1)
  const cuts: number[] = []
  if (lo !== undefined && first > lo.start) cuts.push(first)
  if (hi !== undefined && first + nr < hi.end) cuts.push(first + nr)
  splitPmdsAt(ctx, pid, ...cuts)
}

/** SLOT_PAGES - pages in 1 GiB; ALIAS_SLOT - the runner's alias slot (24 TiB), in pages */
const SLOT_PAGES = 1 << 18
const ALIAS_SLOT = 24 * 2 ** 28

/** populate - the runner's temporary shared alias of the file range behind [first, first + nr) of @m. */
function populate(ctx: SimContext, m: MapRec, first: number, nr: number): void {
  const pc = ctx.files.get(m.file)!
  if (isHugetlb(m)) {
    const hp = m.hpages
    if ((m.pgoff + (first - m.start)) % hp !== 0 || nr % hp !== 0) throw new Refusal('EINVAL')
    hugetlbAliasPopulate(ctx, m.file, (m.pgoff + (first - m.start)) / hp, nr / hp, hp)
    return
  }
  // the alias VMA (contract v1.1 item 10): at the same offset inside a 1G-aligned slot as the range,
  // so the folio sizes that fit it are those that fit the range in its own mapping
  const idx0 = m.pgoff + (first - m.start)
  const start = ALIAS_SLOT + (first % SLOT_PAGES)
  const alias: Vma = { start, end: start + nr, kind: 'shmem', shared: true, writable: true, file: m.file, pgoff: idx0, thp: 'default', dontfork: false }
  for (let i = 0; i < nr; i++) {
    const idx = idx0 + i
    if (cached(ctx, m.file, idx) >= 0) continue
    const pfn = pc.kind === 'shmem' ? shmemGetPage(ctx, m.file, idx, alias, start + i) : fileGetPage(ctx, m.file, idx)
    ctx.data.add(pfn)
  }
}
