import { pteBatches } from './pteBatch.ts'
import type { SimContext } from './simContext.ts'

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
  const base = vpn - (vpn % 512)
  const f = ctx.folio(head)
  if (f.kind === 'anon') ctx.emit('pmd/remapped', { pid, vpn: base, folio: head })
  else if (f.kind === 'hugezero') {
    ctx.emit('zeropage/unmapped', { pid, vpn: base, folio: head, level: 'pmd' })
    for (let i = 0; i < 512; i++) ctx.emit('zeropage/mapped', { pid, vpn: base + i, folio: ctx.zeroPfn, level: 'pte' })
  } else if (f.kind === 'file' || f.kind === 'shmem') {
    ctx.emit('rmap/removed', { pid, vpn: base, folio: head, page: head, nrPages: 512, level: 'pmd' })
  }
}

/**
 * splitPmdsAt - vma_adjust_trans_huge(): before a VMA is split at @vpn, a PMD leaf straddling that
 * boundary is split.
 * @see vma_adjust_trans_huge(), split_huge_pmd_if_needed() — mm/huge_memory.c
 */
export function splitPmdsAt(ctx: SimContext, pid: number, ...boundaries: number[]): void {
  for (const b of boundaries) if (b % 512 !== 0) splitPmd(ctx, pid, b)
}

/** ZapOptions - options of zapRange(). */
export interface ZapOptions {
  /** collect folios that lost mappings here instead of freeing them at the end */
  touched?: Set<number>
}

/**
 * zapRange - clear every entry of @pid in [vpn, vpn + nr) (not HugeTLB): whole PMD leaves go at once;
 * a PMD leaf only partly inside is split first (anon) or zapped whole (file/shmem, every one of its
 * pages: file PMDs are never split into PTEs); PTEs are cleared in batches of consecutive pages of one
 * folio. Folios left unmapped (anon) are freed at the end, as at the TLB flush.
 * @returns the folio heads that lost mappings
 * @see zap_page_range_single(), zap_pmd_range(), zap_huge_pmd(), zap_pte_range() — mm/memory.c, mm/huge_memory.c
 */
export function zapRange(ctx: SimContext, pid: number, vpn: number, nr: number, opts: ZapOptions = {}): Set<number> {
  const touched = opts.touched ?? new Set<number>()
  const end = vpn + nr
  for (let k = Math.floor(vpn / 512); k * 512 < end; k++) {
    const lo = Math.max(vpn, k * 512)
    const hi = Math.min(end, k * 512 + 512)
    const head = ctx.pmdLeaf(pid, lo)
    if (head >= 0) {
      const f = ctx.folio(head)
      const whole = lo === k * 512 && hi === k * 512 + 512
      if (whole || f.kind === 'file' || f.kind === 'shmem') {
        if (f.kind === 'hugezero') ctx.emit('zeropage/unmapped', { pid, vpn: k * 512, folio: head, level: 'pmd' })
        else ctx.emit('rmap/removed', { pid, vpn: k * 512, folio: head, page: head, nrPages: 512, level: 'pmd' })
        touched.add(head)
        continue
      }
      splitPmd(ctx, pid, lo)
    }
    zapPtes(ctx, pid, lo, hi, touched)
  }
  if (opts.touched === undefined) for (const h of touched) ctx.freeIfUnused(h)
  return touched
}

/** zapPtes - clear the PTEs of @pid in [lo, hi) (one page table), batching runs of one folio. */
export function zapPtes(ctx: SimContext, pid: number, lo: number, hi: number, touched: Set<number>): void {
  for (const { vpn: v, pfn, nr: n, folio: f } of pteBatches(ctx, pid, lo, hi)) {
    if (f.kind === 'zero') {
      ctx.emit('zeropage/unmapped', { pid, vpn: v, folio: f.pfn, level: 'pte' })
      continue
    }
    ctx.emit('rmap/removed', { pid, vpn: v, folio: f.pfn, page: pfn, nrPages: n, level: 'pte' })
    touched.add(f.pfn)
  }
}

/**
 * reclaimEmptyTables - MADV_DONTNEED's page-table reclaim (CONFIG_PT_RECLAIM): a PTE table of @pid
 * whose whole 2 MiB span lies in [vpn, vpn + nr) and is left with no present entry is freed, so the PMD is none again.
 * @see try_to_free_pte(), zap_pte_range() with reclaim_pt — mm/pt_reclaim.c, mm/memory.c
 */
export function reclaimEmptyTables(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  for (let k = Math.ceil(vpn / 512); k * 512 + 512 <= vpn + nr; k++) {
    const s = ctx.pmdSlot(pid, k * 512)
    if (s !== undefined && s.huge < 0 && s.ptes !== null && s.present === 0) ctx.reclaimed.add(`${pid}:${k}`)
  }
}
