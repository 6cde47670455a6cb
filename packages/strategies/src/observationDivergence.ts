import { applyEvent, emptyState, Txn, type MmEvent } from '@mmsim/core'
import { observeAll } from './pageObservation.ts'
import { StrategySet } from './strategySet.ts'
import type { AnyStrategy } from './strategy.ts'

/** DivergenceCount - how often one scheme's observation differs from the reference scheme's. */
export interface DivergenceCount {
  id: string
  /** present pages observed (at every check of every stream) */
  pages: number
  /** pages whose /proc/kpagecount differs */
  kpagecount: number
  /** pages whose pagemap bit 56 differs */
  exclusive: number
  /** streams with at least one difference */
  streams: string[]
}

/**
 * observationDivergence - run every stream through the ground truth and all @strategies, and at every
 * `check/marked` compare each scheme's kpagecount and pagemap bit 56 of every present page with those of
 * @reference (e.g. `linux-6.15`, the kernel the corpus was recorded on): what an `observe` of that scheme
 * would show differently. Streams must be valid.
 */
export function observationDivergence(
  streams: readonly { name: string; events: readonly MmEvent[] }[], strategies: readonly AnyStrategy[], reference: AnyStrategy,
): DivergenceCount[] {
  const all = [reference, ...strategies.filter((s) => s !== reference)]
  const counts = all.slice(1).map((s): DivergenceCount => ({ id: s.id, pages: 0, kpagecount: 0, exclusive: 0, streams: [] }))
  for (const stream of streams) {
    const set = new StrategySet(all)
    let tx = new Txn(emptyState())
    for (const e of stream.events) {
      const b = tx.violationTotal
      applyEvent(tx, e)
      if (tx.violationTotal !== b) throw new Error(`${stream.name}: ${e.type} breaks a precondition`)
      set.apply(e, tx)
      if (e.type !== 'check/marked') continue
      const state = tx.commit()
      tx = new Txn(state)
      const ref = observeAll(reference, set.runs[0]!.state, state)
      set.runs.slice(1).forEach((r, i) => {
        const c = counts[i]!
        const mine = observeAll(r.strategy, r.state, state)
        let differs = false
        mine.forEach((o, k) => {
          const w = ref[k]!
          c.pages++
          if (o.mapcount !== w.mapcount) {
            c.kpagecount++
            differs = true
          }
          if (o.exclusive !== w.exclusive) {
            c.exclusive++
            differs = true
          }
        })
        if (differs && !c.streams.includes(stream.name)) c.streams.push(stream.name)
      })
    }
  }
  return counts
}
