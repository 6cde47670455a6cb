import { StrategySet, totalCost, type AnyStrategy, type CostRow, type CostTable, type StrategyDescription } from '@mmsim/strategies'
import { replayTrace, type ReplayOptions, type ReplayResult } from './replayTrace.ts'

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

/**
 * replayTraceWithStrategies - {@link replayTrace} with mapcount schemes riding along: each frame is one
 * ground-truth transaction (checkpoints as in replayTrace, @checkpointEvery), and every event that breaks no precondition is handed to every scheme with the
 * transaction as its post-event truth (replayTrace's @onEvent). The decoder's event object is a reused
 * scratch object; strategies read it during the call only. Same damage/violation semantics and results.
 * Without a plugin scheme or @onEvent, frames in this version's layout are fed from their integer columns
 * (replayTrace's @onColumnEvent; StrategySet.applyColumns): the same events and fields, no object per event.
 */
export async function replayTraceWithStrategies(file: string, opts: StrategyReplayOptions): Promise<StrategyReplayResult> {
  const set = new StrategySet(opts.strategies)
  const { strategies: _s, onStrategyCheckpoint, ...replayOpts } = opts
  const r = await replayTrace(file, {
    ...replayOpts,
    onEvent: (e, tx) => {
      set.apply(e, tx)
      opts.onEvent?.(e, tx)
    },
    // no event object per event when nobody needs one: the schemes read the frame's integer columns
    onColumnEvent: set.columnsOk && opts.onEvent === undefined ? (w, i, c, tx) => set.applyColumns(w, i, c, tx) : undefined,
    onCheckpoint: (state, events) => {
      opts.onCheckpoint?.(state, events)
      onStrategyCheckpoint?.(set.snapshot(), events)
    },
  })
  return {
    ...r,
    strategies: set.runs.map((run) => ({
      id: run.strategy.id,
      description: run.strategy.description,
      costs: run.strategy.costs(run.state),
      total: totalCost(run.strategy.costs(run.state)),
      freeViolations: run.strategy.freeViolations(run.state),
      state: run.state,
      strategy: run.strategy,
    })),
  }
}
