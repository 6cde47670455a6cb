import { FolioList, PfnBits } from './pfnBits.ts'
import { notModelled, type SimContext } from './simContext.ts'
import { forEachPte } from './splitFolio.ts'
import { splitPmd, zapPtes } from './zap.ts'
import { HPAGE_PMD_NR } from '@mmsim/core'

/**
 * LazyFreeState - what MADV_FREE leaves on anon folios, beside the ground truth (per PFN, so that a split
 * passes it to the new folios as __split_folio_to_order() copies PG_swapbacked and PG_dirty):
 * - `lazy`: the folio is lazy-free (folio_mark_lazyfree() cleared PG_swapbacked);
 * - `clean`: MADV_FREE cleared the page's PTE (or PMD) dirty bit and the folio's PG_dirty, and no write
 *   dirtied it since;
 * - `unsure`: the folio was mapped more than once when it was made lazy-free, so its pages' dirtiness
 *   differs per mapping (the other mappings' PTEs keep their dirty bits): not modelled.
 */
interface LazyFreeState {
  lazy: PfnBits
  clean: PfnBits
  unsure: PfnBits
}

const states = new WeakMap<SimContext, LazyFreeState>()

function state(ctx: SimContext): LazyFreeState {
  let s = states.get(ctx)
  if (s === undefined) states.set(ctx, (s = { lazy: new PfnBits(), clean: new PfnBits(), unsure: new PfnBits() }))
  return s
}

/**
 * markLazyFree - MADV_FREE's work on the anon folio @head mapped in [@vpn, @vpn + @nr) of @pid, after the
 * walk split what the range does not cover whole: the folio becomes lazy-free; when it is mapped exactly
 * once its pages in the range (a PMD: all of them) are made clean.
 * A PMD-mapped folio that may be mapped shared is skipped (madvise_free_huge_pmd()).
 * @see madvise_free_pte_range(), madvise_free_huge_pmd(), folio_mark_lazyfree(), lru_lazyfree() — mm/madvise.c,
 *      mm/huge_memory.c, mm/swap.c
 */
export function markLazyFree(ctx: SimContext, pid: number, vpn: number, nr: number, head: number): void {
  const f = ctx.folio(head)
  if (f.kind !== 'anon') return
  const s = state(ctx)
  const n = 2 ** f.order
  const once = f.ptes + f.entire === (f.entire > 0 ? 1 : n)
  if (f.entire > 0 && !once) return
  for (let i = 0; i < n; i++) s.lazy.add(head + i)
  if (!once) {
    for (let i = 0; i < n; i++) s.unsure.add(head + i)
    return
  }
  if (f.entire > 0) {
    for (let i = 0; i < n; i++) s.clean.add(head + i)
    return
  }
  forEachPte(ctx, pid, head, n, (v, pfn) => {
    if (v >= vpn && v < vpn + nr) s.clean.add(pfn)
  })
}

/**
 * pageDirtied - a write through a present, writable entry of page @pfn sets its dirty bit (the hardware
 * does, without a fault): the page is no longer clean for smaps, and a lazy-free folio holding it is
 * dirty again for reclaim.
 */
export function pageDirtied(ctx: SimContext, pfn: number): void {
  states.get(ctx)?.clean.delete(pfn)
}

/** isCleanAnon - does smaps count anon page @pfn clean (MADV_FREE cleaned it and nothing wrote it since)? */
export function isCleanAnon(ctx: SimContext, pfn: number): boolean {
  return states.get(ctx)?.clean.has(pfn) === true
}

/**
 * isCleanUnsure - was anon page @pfn made lazy-free while mapped more than once (its smaps dirtiness
 * differs per mapping: not modelled)?
 */
export function isCleanUnsure(ctx: SimContext, pfn: number): boolean {
  return states.get(ctx)?.unsure.has(pfn) === true
}

/** isLazyFree - is anon folio @head lazy-free (PG_swapbacked clear)? */
export function isLazyFree(ctx: SimContext, head: number): boolean {
  return states.get(ctx)?.lazy.has(head) === true
}

/**
 * reclaimLazyFree - shrink_folio_list() on the isolated lazy-free anon folio @head (mapped once; no swap is
 * needed, so a large folio is not split first): try_to_unmap() discards a clean one — every mapping is
 * cleared and the folio freed, so its pages read back as the zero page — while a dirty one (a page written
 * since MADV_FREE) gets PG_swapbacked back and stays mapped, whole. A PMD mapping of a dirty one is split
 * into PTEs first: measured on this machine's 6.18.44 (try_to_unmap_one() splits the PMD with
 * TTU_SPLIT_HUGE_PMD when unmap_huge_pmd_locked() refuses a dirty PMD), where the 6.18.15 source would keep
 * the PMD.
 * @see shrink_folio_list(), try_to_unmap_one() (the "MADV_FREE page check"), unmap_huge_pmd_locked(),
 *      __discard_anon_folio_pmd_locked() — mm/vmscan.c, mm/rmap.c, mm/huge_memory.c
 */
export function reclaimLazyFree(ctx: SimContext, head: number): void {
  const s = state(ctx)
  const f = ctx.folio(head)
  const n = 2 ** f.order
  if (s.unsure.has(head)) notModelled({ cause: ctx.cause }, 'MADV_PAGEOUT of a lazy-free (MADV_FREE) folio that was mapped more than once when it was freed (its dirty bits differ per mapping)')
  let dirty = false
  for (let i = 0; i < n && !dirty; i++) dirty = !s.clean.has(head + i)
  const pids: number[] = []
  for (let i = 0; i < f.owners.length; i += 2) pids.push(f.owners[i]!)
  if (dirty) {
    // the dirty PTE bits went to folio_mark_dirty(): the whole folio is dirty (smaps) and swap-backed again
    for (let i = 0; i < n; i++) {
      s.lazy.delete(head + i)
      s.clean.delete(head + i)
    }
    if (f.entire > 0) for (const pid of pids) for (const v of pmdVpns(ctx, pid, head)) splitPmd(ctx, pid, v)
    return
  }
  for (const pid of pids) {
    for (const v of pmdVpns(ctx, pid, head)) ctx.emitPteRmap('rmap/removed', pid, v, head, head, HPAGE_PMD_NR, 'pmd')
    // runs of consecutive PTEs mapping consecutive pages, as folio_unmap_pte_batch() batches them
    const runs: [number, number][] = []
    let last = -2
    let lastPfn = -2
    forEachPte(ctx, pid, head, n, (v, pfn) => {
      if (v === last + 1 && pfn === lastPfn + 1) runs[runs.length - 1]![1] = v + 1
      else runs.push([v, v + 1])
      last = v
      lastPfn = pfn
    })
    const touched = new FolioList()
    for (const [a, b] of runs) zapPtes(ctx, pid, a, b, touched)
  }
  for (let i = 0; i < n; i++) {
    s.lazy.delete(head + i)
    s.clean.delete(head + i)
  }
  ctx.forgetData(head, n)
  ctx.freeIfUnused(head)
}

function pmdVpns(ctx: SimContext, pid: number, head: number): number[] {
  const out: number[] = []
  for (const v of ctx.vmas(pid)) {
    for (let k = Math.ceil(v.start / HPAGE_PMD_NR); k * HPAGE_PMD_NR < v.end; k++) if (ctx.pmdLeaf(pid, k * HPAGE_PMD_NR) === head) out.push(k * HPAGE_PMD_NR)
  }
  return out
}
