import { setAutoFreeze } from 'immer'
import { lastValueFrom, reduce, takeWhile } from 'rxjs'
import { applyEvent, emptyState, Txn, type MmState } from '@mmsim/core'
import { StrategySet, totalCost, type AnyStrategy, type CostRow, type CostTable, type StrategyDescription } from '@mmsim/strategies'
import { readTrace, type EventDecoder, type TraceItem } from '@mmsim/trace'
import type { ReplayOptions, ReplayResult } from './replayTrace.ts'

/** StrategyOutcome - what one scheme did over a replay. */
export interface StrategyOutcome {
  id: string
  description: StrategyDescription
  /** cost rows by event type */
  costs: CostTable
  total: CostRow
  /** "Bad page state" reports (counters not back at their initial values when a folio was freed) */
  freeViolations: readonly string[]
  /** the scheme's final state (opaque; query it through the strategy) */
  state: unknown
  strategy: AnyStrategy
}

/** StrategyReplayResult - a {@link ReplayResult} plus one outcome per scheme. */
export interface StrategyReplayResult extends ReplayResult {
  strategies: StrategyOutcome[]
}

/**
 * StrategyReplayOptions - {@link ReplayOptions} (decode-only is not supported) and the schemes to run.
 * @onStrategyCheckpoint: at the same frame boundaries as @onCheckpoint, independent snapshots of every
 *   scheme's state (in @strategies order)
 */
export interface StrategyReplayOptions extends Omit<ReplayOptions, 'decodeOnly' | 'materialize'> {
  strategies: readonly AnyStrategy[]
  onStrategyCheckpoint?: (snapshots: unknown[], events: number) => void
}

interface Acc {
  header: ReplayResult['header'] | null
  decoder: EventDecoder | null
  state: MmState
  events: number
  frames: number
  damage: ReplayResult['damage']
  unknown: Record<string, number>
  structureProblems: string[]
  complete: boolean
  stoppedAtViolation: boolean
  fileSize: number
  stop: boolean
}

/**
 * replayTraceWithStrategies - {@link replayTrace} with mapcount schemes riding along: each frame is one
 * ground-truth transaction (checkpoints as in replayTrace, @checkpointEvery), and every event that breaks no precondition is handed to every scheme with the
 * transaction as its post-event truth. The decoder's event object is a reused scratch object; strategies
 * read it during the call only. Same damage/violation semantics and results as replayTrace.
 */
export async function replayTraceWithStrategies(file: string, opts: StrategyReplayOptions): Promise<StrategyReplayResult> {
  setAutoFreeze(false) // as replayTrace: the states are never handed to code that could mutate them
  const set = new StrategySet(opts.strategies)
  const init: Acc = {
    header: null, decoder: null, state: emptyState(), events: 0, frames: 0, damage: [], unknown: {}, structureProblems: [],
    complete: false, stoppedAtViolation: false, fileSize: 0, stop: false,
  }
  const onUnknown = (acc: Acc) => (name: string): void => {
    acc.unknown[name] = (acc.unknown[name] ?? 0) + 1
  }
  const step = (acc: Acc, item: TraceItem): Acc => {
    switch (item.kind) {
      case 'header':
        acc.header = item.header
        acc.decoder = item.decoder
        acc.structureProblems = item.decoder.structureProblems
        acc.fileSize = item.fileSize
        break
      case 'frame': {
        const every = opts.checkpointEvery ?? 0
        const keep = every > 0 && acc.frames % every === 0
        if (keep) {
          opts.onCheckpoint?.(acc.state, acc.events)
          opts.onStrategyCheckpoint?.(set.snapshot(), acc.events)
        }
        // without a checkpoint to keep, the frame's transaction writes the state in place (as replayTrace)
        const tx = new Txn(acc.state, !keep)
        const first = acc.state.violationCount
        const stopOn = opts.stopOnViolation === true
        let n = 0
        acc.decoder!.forEach(
          item.frame,
          (e) => {
            const before = tx.violationTotal
            applyEvent(tx, e)
            n++
            if (tx.violationTotal !== before) {
              if (stopOn && tx.violationTotal > first) {
                acc.stop = true
                acc.stoppedAtViolation = true
                return true
              }
              return false
            }
            set.apply(e, tx)
            return false
          },
          onUnknown(acc),
        )
        acc.state = tx.commit()
        acc.events += n
        acc.frames++
        opts.onProgress?.(item.offset, acc.fileSize, acc.events)
        break
      }
      case 'damage':
        acc.damage.push(item.damage)
        break
      case 'end':
        acc.complete = item.complete
        opts.onProgress?.(acc.fileSize, acc.fileSize, acc.events)
        break
    }
    return acc
  }
  const acc = await lastValueFrom(readTrace(file, { salvage: opts.salvage ?? false }).pipe(
    takeWhile(() => !init.stop),
    reduce(step, init),
  ))
  return {
    file, header: acc.header!, state: acc.state, events: acc.events, frames: acc.frames, damage: acc.damage, unknown: acc.unknown,
    structureProblems: acc.structureProblems, complete: acc.complete, stoppedAtViolation: acc.stoppedAtViolation,
    strategies: set.runs.map((r) => ({
      id: r.strategy.id,
      description: r.strategy.description,
      costs: r.strategy.costs(r.state),
      total: totalCost(r.strategy.costs(r.state)),
      freeViolations: r.strategy.freeViolations(r.state),
      state: r.state,
      strategy: r.strategy,
    })),
  }
}
