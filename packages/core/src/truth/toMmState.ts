import { emptyTrie, trieSet } from '../state/cowTrie.ts'
import { PFN_BITS, PID_BITS, VPN_BITS, type FolioRec, type MmState, type PmdSlot, type Proc, type ProcTables as TrieTables } from '../state/mmState.ts'
import { ProcTables } from './procTables.ts'
import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { forEachTruthFolio } from './truthQueries.ts'
import type { TruthCheckpoint, TruthState } from './truthState.ts'

const EPOCH = -1
const PRESENT = ProcTables.PRESENT

/**
 * toMmState - the flat ground truth as the trie-based {@link MmState} of core/src/state: for the consumers
 * that still walk tries (inspect's listing, the simulator's base state). Allocates the whole state: call it
 * once per answer, never per event.
 */
export function toMmState(t: TruthState | TruthCheckpoint): MmState {
  const procs: Record<number, Proc> = {}
  for (const [pid, p] of t.procs) procs[pid] = p
  let tables = emptyTrie<TrieTables>(PID_BITS)
  for (const [pid, pt] of t.tables) {
    let pmds = emptyTrie<PmdSlot>(VPN_BITS - HPAGE_PMD_ORDER)
    let puds = emptyTrie<number>(VPN_BITS - HPAGE_PUD_ORDER)
    for (const [k, pfn] of pt.puds) puds = trieSet(puds, EPOCH, k, pfn)
    for (const [k, tab] of pt.ptes) {
      pmds = trieSet(pmds, EPOCH, k, { e: EPOCH, huge: -1, ptes: tab.slice(0, PTRS_PER_PTE), present: tab[PRESENT]! })
    }
    for (const [k, pfn] of pt.pmds) pmds = trieSet(pmds, EPOCH, k, { e: EPOCH, huge: pfn, ptes: null, present: 0 })
    tables = trieSet(tables, EPOCH, pid, { e: EPOCH, pmds, puds, present: pt.present })
  }
  let folios = emptyTrie<FolioRec>(PFN_BITS)
  const folioOrders = new Array<number>(19).fill(0)
  forEachTruthFolio(t, (f) => {
    folios = trieSet(folios, EPOCH, f.pfn, { ...f, e: EPOCH })
    folioOrders[f.order]!++
  })
  const counts = 'eventCounts' in t ? t.eventCounts : {}
  return {
    epoch: 0, applied: t.applied, procs, tables, folios, violations: t.violations, violationCount: t.violationCount,
    eventCounts: counts, folioOrders,
  }
}
