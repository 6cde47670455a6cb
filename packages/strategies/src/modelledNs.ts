import type { CostRow } from './costs.ts'

/**
 * NS_PER - the per-item costs of the {@link modelledNs} estimate, in nanoseconds. Only @atomic rests on a
 * published figure; the others are assumptions, chosen for the machine of the rmap overhaul's measurements
 * (Xeon Silver 4210R, Cascade Lake, 2.4 GHz base, seed 001) and stated as such:
 * @call: an out-of-line rmap function call with its prologue, argument checks and branches (~12 cycles):
 *   assumption
 * @folioLookup: one `compound_head()` of a tail page: a load of `page->compound_head`, then the head page (L1 hits,
 *   ~5 cycles) and a test: assumption
 * @atomic: one LOCK-prefixed read-modify-write on a line this CPU owns (mapcount-family atomics and the
 *   PageAnonExclusive set_bit/clear_bit alike): ~18–20 cycles on Skylake-family cores (Agner Fog,
 *   "Instruction tables", LOCK ADD / LOCK XADD latency), ≈ 8 ns at 2.4 GHz
 * @cacheLine: first write of a struct page (64 B line) by the event, a sequential walk the prefetcher
 *   mostly hides (an L2/L3 hit, not DRAM): assumption
 * Not modelled: page-table walks, TLB flushes, page freeing and allocation, memcg and LRU work, locks —
 * so the estimate is the rmap part of an operation, not its whole time.
 */
export const NS_PER = { call: 5, folioLookup: 2, atomic: 8, cacheLine: 10 } as const

/**
 * modelledNs - the estimated time of the rmap work counted in @r: calls × NS_PER.call + folio lookups ×
 * NS_PER.folioLookup + (atomics + PageAnonExclusive bitops) × NS_PER.atomic + cache lines × NS_PER.cacheLine.
 * @returns nanoseconds (linear in the row, so the estimate of a sum of rows is the sum of their estimates)
 */
export function modelledNs(r: Pick<CostRow, 'rmapCalls' | 'folioLookups' | 'atomics' | 'paeBitops' | 'cacheLines'>): number {
  return r.rmapCalls * NS_PER.call + r.folioLookups * NS_PER.folioLookup + (r.atomics + r.paeBitops) * NS_PER.atomic + r.cacheLines * NS_PER.cacheLine
}
