import type { MmEvent } from '../events/mmEvent.ts'
import { applyEvent } from '../reducers/applyEvent.ts'
import type { MmState } from './mmState.ts'
import { Txn } from './txn.ts'

/** applyEvents - the state after applying @events to @state in one transaction (one checkpoint at the end). */
export function applyEvents(state: MmState, events: Iterable<MmEvent>): MmState {
  const tx = new Txn(state)
  for (const e of events) applyEvent(tx, e)
  return tx.commit()
}

/** replayBatched - apply @events in transactions of @batch events: the states at batch ends are checkpoints. */
export function replayBatched(state: MmState, events: readonly MmEvent[], batch: number): MmState {
  let s = state
  for (let i = 0; i < events.length; i += batch) s = applyEvents(s, events.slice(i, i + batch))
  return s
}
