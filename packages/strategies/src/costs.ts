/**
 * CostRow - what one event type cost a scheme, summed over its events.
 * @atomics: mapcount-family atomic read-modify-writes (docs/mapcount-schemes.md §8.2: `_mapcount`,
 *   compound/entire, subpages/nr_pages_mapped, `_large_mapcount`, the `_mm_ids` bit-spinlock, PG_double_map)
 * @paeBitops: PageAnonExclusive set_bit/clear_bit (real atomics, listed apart as §8.2 does)
 * @cacheLines: distinct struct pages (64 bytes = one cache line each) written or RMW'd, per event
 * @bitLocks: bit-spinlock acquisitions (v6.15+ `_mm_ids` lock)
 * @hvoConflicts: distinct struct pages written beyond those HVO keeps writable (HugeTLB with HVO on)
 * @hvoWrites: events that wrote at least one such struct page — the writes a kernel with HVO on would fault
 *   on (6.18 layout: core hvoStructPageWritable('6.18', i), struct pages ≥ 64 of the folio are read-only)
 * @rmapCalls: kernel rmap function calls the scheme's era makes for the events (a batched `_ptes` call
 *   counts once; rmapCalls.ts)
 * @folioLookups: page→folio conversions (`compound_head()` of a tail page) of those calls (rmapCalls.ts)
 */
export interface CostRow {
  events: number
  atomics: number
  paeBitops: number
  cacheLines: number
  bitLocks: number
  hvoConflicts: number
  hvoWrites: number
  rmapCalls: number
  folioLookups: number
}

/** COST_FIELDS - the counters of a CostRow, in the order the schemes' integer cost rows store them. */
export const COST_FIELDS = ['events', 'atomics', 'paeBitops', 'cacheLines', 'bitLocks', 'hvoConflicts', 'hvoWrites', 'rmapCalls', 'folioLookups'] as const satisfies readonly (keyof CostRow)[]

/** CostTable - event type -> its cost row. */
export type CostTable = Map<string, CostRow>

/** emptyCostRow - a row of zeros. */
export function emptyCostRow(): CostRow {
  return { events: 0, atomics: 0, paeBitops: 0, cacheLines: 0, bitLocks: 0, hvoConflicts: 0, hvoWrites: 0, rmapCalls: 0, folioLookups: 0 }
}

/** totalCost - the sum of every row of @t. */
export function totalCost(t: CostTable): CostRow {
  const s = emptyCostRow()
  for (const r of t.values()) {
    s.events += r.events
    s.atomics += r.atomics
    s.paeBitops += r.paeBitops
    s.cacheLines += r.cacheLines
    s.bitLocks += r.bitLocks
    s.hvoConflicts += r.hvoConflicts
    s.hvoWrites += r.hvoWrites ?? 0 // a plugin's rows may predate the column
    s.rmapCalls += r.rmapCalls ?? 0 // (these two too)
    s.folioLookups += r.folioLookups ?? 0
  }
  return s
}
