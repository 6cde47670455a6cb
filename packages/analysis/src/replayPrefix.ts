import { TruthState, type MmEvent, type Pfn } from '@mmsim/core'
import { StrategySet, type AnyStrategy } from '@mmsim/strategies'
import { traceItems, type EventDecoder } from '@mmsim/trace'
import { damagedTrace } from './damagedTrace.ts'
import { touchedFolios } from './divergenceScanner.ts'

/**
 * PrefixReplay - the ground truth and the schemes after the first @events events; @last is the last of them
 * (a copy) and @touched the live folios it may have changed (head PFNs, see touchedFolios).
 */
export interface PrefixReplay {
  state: TruthState
  set: StrategySet
  events: number
  last: MmEvent | null
  touched: Pfn[]
}

/**
 * replayPrefix - replay events [0, @n) of trace @file through the ground truth and @strategies (events that
 * break a precondition reach the ground truth only, as in every replay). Stops reading after event @n - 1;
 * @events < @n when the trace is shorter. Keeps nothing but the two states. Throws on a damaged frame.
 * @beforeLast: called with the states just before event @n - 1 is applied (and that event).
 */
export async function replayPrefix(
  file: string,
  n: number,
  strategies: readonly AnyStrategy[],
  beforeLast?: (truth: TruthState, set: StrategySet, e: MmEvent) => void,
): Promise<PrefixReplay> {
  const set = new StrategySet(strategies)
  const truth = new TruthState()
  let events = 0
  let last: MmEvent | null = null
  let touched: Pfn[] = []
  let dec: EventDecoder | null = null
  for await (const item of traceItems(file, { reuseBuffers: true })) { // each frame is applied before the next is read
    if (events >= n) break
    if (item.kind === 'damage') throw damagedTrace(file, item.damage, 'inspect')
    if (item.kind === 'header') dec = item.decoder
    if (item.kind !== 'frame') continue
    dec!.forEach(item.frame, (e) => {
      const isLast = events + 1 === n
      if (isLast) {
        touched = touchedFolios(e, truth) // before the event: a split needs the old order
        beforeLast?.(truth, set, e)
      }
      if (truth.apply(e)) set.apply(e, truth)
      events++
      if (isLast) {
        last = { ...e } as MmEvent
        return true
      }
      return false
    })
  }
  return { state: truth, set, events, last, touched }
}
