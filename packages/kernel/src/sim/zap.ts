import { FolioList } from './pfnBits.ts'
import { forEachPteBatch } from './pteBatch.ts'
import { K_ANON, K_FILE, K_HUGEZERO, K_SHMEM, K_ZERO, type SimContext } from './simContext.ts'
import { HPAGE_PMD_NR, PTRS_PER_PTE } from '@mmsim/core'

/**
 * splitPmd - split the PMD leaf of @pid covering @vpn, if there is one.
 * Anon THP: the PMD becomes 512 PTEs mapping the same pages (exclusive if the head was). Huge zero
 * PMD: 512 PTEs of the 4K zero page. File/shmem PMD: the PMD is simply zapped (the pages are refaulted
 * later from the page cache), in this process only.
 * @see __split_huge_pmd_locked(), __split_huge_zero_page_pmd() — mm/huge_memory.c
 */
export function splitPmd(ctx: SimContext, pid: number, vpn: number): void {
  const head = ctx.pmdLeaf(pid, vpn)
  if (head < 0) return
  const base = vpn - (vpn % HPAGE_PMD_NR)
  const kind = ctx.kindOf(head)
  if (kind === K_ANON) ctx.emit('pmd/remapped', { pid, vpn: base, folio: head })
  else if (kind === K_HUGEZERO) {
    ctx.emitZero('zeropage/unmapped', pid, base, head, 'pmd')
    for (let i = 0; i < PTRS_PER_PTE; i++) ctx.emitZero('zeropage/mapped', pid, base + i, ctx.zeroPfn, 'pte')
  } else if (kind === K_FILE || kind === K_SHMEM) {
    ctx.emitPteRmap('rmap/removed', pid, base, head, head, HPAGE_PMD_NR, 'pmd')
  }
}

/**
 * splitPmdsAt - vma_adjust_trans_huge(): before a VMA is split at @vpn, a PMD leaf straddling that
 * boundary is split.
 * @see vma_adjust_trans_huge(), split_huge_pmd_if_needed() — mm/huge_memory.c
 */
export function splitPmdsAt(ctx: SimContext, pid: number, ...boundaries: number[]): void {
  for (const b of boundaries) if (b % HPAGE_PMD_NR !== 0) splitPmd(ctx, pid, b)
}

/** ZapOptions - options of zapRange(). */
export interface ZapOptions {
  /** collect folios that lost mappings here instead of freeing them at the end */
  touched?: FolioList
}

/**
 * zapRange - clear every entry of @pid in [vpn, vpn + nr) (not HugeTLB): whole PMD leaves go at once;
 * a PMD leaf only partly inside is split first (anon) or zapped whole (file/shmem, every one of its
 * pages: file PMDs are never split into PTEs); PTEs are cleared in batches of consecutive pages of one
 * folio. Folios left unmapped (anon) are freed at the end, as at the TLB flush.
 * @returns the folio heads that lost mappings, in first-touch order
 * @see zap_page_range_single(), zap_pmd_range(), zap_huge_pmd(), zap_pte_range() — mm/memory.c, mm/huge_memory.c
 */
export function zapRange(ctx: SimContext, pid: number, vpn: number, nr: number, opts: ZapOptions = {}): FolioList {
  const touched = opts.touched ?? new FolioList()
  const end = vpn + nr
  for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < end; k++) {
    const lo = Math.max(vpn, k * HPAGE_PMD_NR)
    const hi = Math.min(end, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
    const head = ctx.pmdLeaf(pid, lo)
    if (head >= 0) {
      const kind = ctx.kindOf(head)
      const whole = lo === k * HPAGE_PMD_NR && hi === k * HPAGE_PMD_NR + HPAGE_PMD_NR
      if (whole || kind === K_FILE || kind === K_SHMEM) {
        if (kind === K_HUGEZERO) ctx.emitZero('zeropage/unmapped', pid, k * HPAGE_PMD_NR, head, 'pmd')
        else ctx.emitPteRmap('rmap/removed', pid, k * HPAGE_PMD_NR, head, head, HPAGE_PMD_NR, 'pmd')
        touched.push(head)
        continue
      }
      splitPmd(ctx, pid, lo)
    }
    zapPtes(ctx, pid, lo, hi, touched)
  }
  if (opts.touched === undefined) freeTouched(ctx, touched)
  return touched
}

/** freeTouched - free the folios of @touched that nothing maps any more, in order. */
export function freeTouched(ctx: SimContext, touched: FolioList): void {
  for (let i = 0; i < touched.length; i++) ctx.freeIfUnused(touched.heads[i]!)
}

/** zapPtes - clear the PTEs of @pid in [lo, hi) (one page table), batching runs of one folio. */
export function zapPtes(ctx: SimContext, pid: number, lo: number, hi: number, touched: FolioList): void {
  if (ctx.pteTable(pid, lo) === undefined && ctx.pmdLeaf(pid, lo) < 0 && ctx.tables(pid)?.pudLeaf(lo) === undefined) return
  forEachPteBatch(ctx, pid, lo, hi, (v, pfn, n, head, kind) => {
    if (kind === K_ZERO) {
      ctx.emitZero('zeropage/unmapped', pid, v, head, 'pte')
      return
    }
    ctx.emitPteRmap('rmap/removed', pid, v, head, pfn, n, 'pte')
    touched.push(head)
  })
}

/**
 * reclaimEmptyTables - MADV_DONTNEED's page-table reclaim (CONFIG_PT_RECLAIM): a PTE table of @pid
 * whose whole 2 MiB span lies in [vpn, vpn + nr) and is left with no present entry is freed, so the PMD is none again.
 * @see try_to_free_pte(), zap_pte_range() with reclaim_pt — mm/pt_reclaim.c, mm/memory.c
 */
export function reclaimEmptyTables(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  for (let k = Math.ceil(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR + HPAGE_PMD_NR <= vpn + nr; k++) {
    if (ctx.pmdLeaf(pid, k * HPAGE_PMD_NR) >= 0) continue
    const t = ctx.pteTable(pid, k * HPAGE_PMD_NR)
    if (t !== undefined && t[PTRS_PER_PTE] === 0) ctx.reclaimed.add(pid, k)
  }
}
