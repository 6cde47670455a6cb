import { applyEvent, emptyState, Txn, type MmEvent } from '@mmsim/core'
import { emptyCostRow, totalCost, type CostRow } from './costs.ts'
import type { AnyStrategy } from './strategy.ts'

/**
 * costOf - what the events @op cost strategy @st after the events @setup: the sum of their cost rows.
 * Both lists go through the ground truth first; an event that breaks a precondition throws (a test's
 * scenario must be valid).
 */
export function costOf(st: AnyStrategy, setup: readonly MmEvent[], op: readonly MmEvent[]): CostRow {
  const tx = new Txn(emptyState())
  const s = st.init()
  const feed = (e: MmEvent): void => {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal !== before) throw new Error(`invalid test scenario at ${e.type}: ${tx.commit().violations.at(-1)?.message}`)
    if (st.handles.has(e.type)) st.apply(s, e, tx)
  }
  setup.forEach(feed)
  const a = totalCost(st.costs(s))
  op.forEach(feed)
  const b = totalCost(st.costs(s))
  const d = emptyCostRow()
  for (const k of Object.keys(d) as (keyof CostRow)[]) d[k] = b[k] - a[k]
  return d
}
