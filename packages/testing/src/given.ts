import { applyEvent, applyEvents, emptyState, folioTruth, pageMapcount, Txn, type MmEvent, type MmState } from '@mmsim/core'

/**
 * given - a reducer test in the Given/When/Then shape:
 *   given(events).when(event).thenMapcount(folio, n).thenPageMapcount(pfn, n)…
 * Each event is applied with its own transaction, so every intermediate state is a checkpoint.
 */
export function given(events: readonly MmEvent[]): Given {
  let s = emptyState()
  for (const e of events) s = applyEvents(s, [e])
  return new Given(s)
}

class Given {
  constructor(readonly state: MmState) {}

  when(...events: MmEvent[]): Given {
    const tx = new Txn(this.state)
    for (const e of events) applyEvent(tx, e)
    return new Given(tx.commit())
  }

  private fail(msg: string): never {
    throw new Error(msg)
  }

  thenMapcount(folio: number, n: number): this {
    const t = folioTruth(this.state, folio)
    if (t === undefined) this.fail(`folio ${folio} is not allocated`)
    if (t.mapcount !== n) this.fail(`folio ${folio}: mapcount ${t.mapcount}, expected ${n}`)
    return this
  }

  thenPageMapcount(pfn: number, n: number): this {
    const got = pageMapcount(this.state, pfn)
    if (got !== n) this.fail(`page ${pfn}: mapcount ${got}, expected ${n}`)
    return this
  }

  thenViolations(n: number): this {
    if (this.state.violationCount !== n) {
      this.fail(`${this.state.violationCount} violations (${this.state.violations.map((v) => v.message).join('; ')}), expected ${n}`)
    }
    return this
  }
}
