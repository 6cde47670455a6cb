import { HPAGE_PMD_NR, type Vma } from '@mmsim/core'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { ByteRange } from '../scenario/statements.ts'
import { anonFault } from './anonFault.ts'
import { fileFault } from './fileFault.ts'
import { hugetlbTouch } from './hugetlb.ts'
import { pageDirtied } from './lazyFree.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'
import { isHugetlb, kernelVma } from './vmaOps.ts'
import { wpFault } from './wpFault.ts'

/**
 * touchOp - `read|write RANGE`: touch byte 0 of every page, ascending, as a user access would: no VMA,
 * or a write to a read-only VMA, stops the statement with SIGSEGV; a HugeTLB fault without a page
 * stops it with SIGBUS. A write leaves the page's contents non-zero — unless @stores is false: a write
 * fault that stores nothing (MADV_POPULATE_WRITE), after which an anon page holds what it held (a new
 * page: zeros, which a later split maps to the shared zero page; a COW copy: its source's contents);
 * page-cache pages are dirtied either way.
 * @see handle_mm_fault(), __handle_mm_fault(), handle_pte_fault(), do_pte_missing() — mm/memory.c
 */
export function touchOp(ctx: SimContext, pid: number, m: MapRec, r: ByteRange, write: boolean, stores = write): void {
  const first = m.start + r.offset / PAGE_SIZE
  // the kernel VMA is the same for every page of its range while the VMAs and anon_vmas do not change
  let kv: Vma | undefined
  let kvVmas: readonly Vma[] | null = null
  let kvVersion = -1
  for (let vpn = first; vpn < first + r.length / PAGE_SIZE; vpn++) {
    const vmas = ctx.truth.vmas(pid)
    if (kv === undefined || vpn < kv.start || vpn >= kv.end || vmas !== kvVmas || ctx.anonVmas.version !== kvVersion) {
      kv = kernelVma(ctx, pid, vpn)
      kvVmas = vmas
      kvVersion = ctx.anonVmas.version
    }
    const vma = kv
    if (vma === undefined || (write && !vma.writable)) throw new Refusal('SIGSEGV')
    let had = false // the page mapped before the fault held data
    let faulted = true // the write faulted (no entry, or a write-protected one)
    if (isHugetlb(m)) hugetlbTouch(ctx, pid, vpn, write, m, vma)
    else {
      let pfn = ctx.entry(pid, vpn)
      had = !stores && pfn >= 0 && ctx.data.has(pfn)
      if (pfn >= 0 && write) {
        // a shared shmem VMA maps pages writable on read faults (no write notification): no fault
        faulted = !(vma.kind === 'shmem' && vma.shared && vma.writable)
        wpFault(ctx, pid, vpn, m)
        pfn = ctx.entry(pid, vpn)
      }
      if (pfn < 0) {
        if (vma.kind === 'anon') anonFault(ctx, pid, vpn, write, m, ctx.vma(pid, vpn)!, vma)
        else fileFault(ctx, pid, vpn, write, m, vma)
        // a write fault on a huge zero PMD or a read-only page-cache page is a second fault
        if (write && ctx.entry(pid, vpn) >= 0) wpFault(ctx, pid, vpn, m)
      }
    }
    if (write) {
      const pfn = ctx.entry(pid, vpn)
      if (pfn >= 0) {
        if (vma.kind === 'shmem' && vma.shared) shmemWritten(ctx, pid, vpn, pfn, faulted)
        if (stores || vma.kind !== 'anon' || had) ctx.data.add(pfn)
        pageDirtied(ctx, pfn)
      }
    }
  }
}

/**
 * shmemWritten - @pid wrote shmem page @pfn at @vpn of a shared VMA: a write that @faulted marks the folio
 * dirty (fault_dirty_shared_page()); one through an already-writable entry dirties only that entry, unless
 * the page's data was already the folio's (see cleanPteWrites.ts).
 */
function shmemWritten(ctx: SimContext, pid: number, vpn: number, pfn: number, faulted: boolean): void {
  const w = ctx.cleanWrites
  if (faulted) {
    w.pages.delete(pfn)
    return
  }
  if (!ctx.data.has(pfn)) w.pages.add(pfn)
  if (w.pages.has(pfn)) {
    const leaf = ctx.pmdLeaf(pid, vpn)
    w.wrote(pid, vpn, leaf >= 0 ? vpn - (vpn % HPAGE_PMD_NR) : -1)
  }
}
