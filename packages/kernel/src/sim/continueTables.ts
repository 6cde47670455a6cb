import { HPAGE_PMD_NR, type Vma } from '@mmsim/core'
import type { SimContext } from './simContext.ts'

/**
 * The PTE tables a refused UFFDIO_CONTINUE leaves empty. mfill_atomic() allocates the PTE table of the
 * PMD it is at (__pte_alloc() when the PMD is none) before mfill_atomic_pte_continue() looks the page
 * up, so a continue that stops at a page whose PMD was none (EFAULT: the page is not in the page cache;
 * EAGAIN after a partial copy) leaves an empty PTE table there. Core's ground truth holds no PTE table
 * in which nothing was ever mapped, so the model does not hold this one; a later fault that would map a
 * PMD-sized folio there — the kernel maps it with PTEs (do_set_pmd() needs a none PMD; live:
 * ShmemPmdMapped 0 kB after `continue` EFAULT on 2M of `anon shared` under shmem_thp=always and a
 * write) — refuses instead (pmdMappable() in fileFault.ts, notModelled).
 * Keys are `pid:file:n`, n the file offset of the PMD's first page in 2 MiB units: mremap moves the
 * table with the VMA (move_page_tables()) and keeps the offset modulo 1G, so the key still names it at
 * the new address. An entry no longer matters once the PMD is not none in the model (a PTE was mapped
 * there and core holds the table).
 * @see mfill_atomic(), __pte_alloc() — mm/userfaultfd.c, mm/memory.c
 */
const left = new WeakMap<SimContext, Set<string>>()

/** continueLeftTable - a refused UFFDIO_CONTINUE at @vpn of @pid (in @vma) allocated an empty PTE table, if the PMD was none. */
export function continueLeftTable(ctx: SimContext, pid: number, vma: Vma, vpn: number): void {
  if (!ctx.pmdNone(pid, vpn)) return
  let s = left.get(ctx)
  if (s === undefined) left.set(ctx, (s = new Set()))
  s.add(key(pid, vma, vpn))
}

/** emptyTableLeft - the kernel has an empty PTE table at @vpn's PMD of @pid (in @vma) that the model's PMD (none) does not show. */
export function emptyTableLeft(ctx: SimContext, pid: number, vma: Vma, vpn: number): boolean {
  return left.get(ctx)?.has(key(pid, vma, vpn)) === true && ctx.pmdNone(pid, vpn)
}

function key(pid: number, vma: Vma, vpn: number): string {
  return `${pid}:${vma.file}:${Math.floor((vma.pgoff + (vpn - (vpn % HPAGE_PMD_NR) - vma.start)) / HPAGE_PMD_NR)}`
}
