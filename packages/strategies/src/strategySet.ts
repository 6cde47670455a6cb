import { applyEvent, EVENT_TYPES, type MmEvent, type TruthColumns, type Txn } from '@mmsim/core'
import { columnEvent } from './columnEvent.ts'
import { totalCost, type CostRow, type CostTable } from './costs.ts'
import { canonicalType, EventOp, eventCode, fillEventOpAs } from './eventOp.ts'
import { inPlugin } from './pluginGuard.ts'
import type { AnyStrategy, Strategy, TruthView } from './strategy.ts'

/** StrategyRun - one strategy and its current state. */
export interface StrategyRun {
  readonly strategy: AnyStrategy
  state: unknown
}

interface TypeRuns {
  readonly type: MmEvent['type']
  readonly code: number
  readonly runs: readonly StrategyRun[]
  /** per run: its strategy's applyOp, or null (then apply) — the built-in schemes share one function, so the call is monomorphic */
  readonly ops: readonly (Strategy<unknown>['applyOp'] | null)[]
}

/**
 * PluginError - a scheme loaded from a plugin module threw while applying an event: the message names the
 * scheme, the event and its cause, and what it threw (the CLI prints @userMessage as one line).
 */
export class PluginError extends Error {
  readonly userMessage: string
  constructor(readonly strategyId: string, e: MmEvent, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause)
    super(`scheme '${strategyId}' threw on ${e.type}${e.cause ? ` (${e.cause})` : ''}: ${what}`)
    this.name = 'PluginError'
    this.userMessage = this.message
  }
}

/**
 * StrategySet - several strategies fed the same event stream beside the ground truth.
 * {@link applyWith} applies an event to the ground-truth transaction first, then — only if the event broke
 * no precondition — to every strategy whose `handles` contains its type, with the transaction as the
 * read-only post-event truth. Events are handed over as they come: a caller that reuses a scratch event
 * object must not expect a strategy to keep it (none does).
 */
export class StrategySet {
  readonly runs: StrategyRun[]

  constructor(strategies: readonly AnyStrategy[]) {
    this.runs = strategies.map((strategy) => ({ strategy, state: strategy.init() }))
    this.columnsOk = this.runs.every((r) => r.strategy.applyOp !== undefined)
  }

  private readonly op = new EventOp()

  /** per event type string as the driver hands it: its canonical type, EVENT_TYPES index and the runs that handle it */
  private readonly byType = new Map<string, TypeRuns>()

  /** per EVENT_TYPES index: the same record (filled on first use; the column path's lookup) */
  private readonly byCode: (TypeRuns | undefined)[] = []

  /**
   * columnsOk - every scheme has applyOp (no plugin): events can be fed from a frame's integer columns
   * ({@link applyColumns}) with no event object
   */
  readonly columnsOk: boolean

  private typeRuns(type: MmEvent['type'], code: number): TypeRuns {
    const runs = this.runs.filter((r) => r.strategy.handles.has(type))
    return { type, code, runs, ops: runs.map((r) => r.strategy.applyOp ?? null) }
  }

  /** apply - feed @e to every strategy; @truth is the ground truth after @e (fields copied once into an EventOp for the built-in schemes) */
  apply(e: MmEvent, truth: TruthView): void {
    let t = this.byType.get(e.type)
    if (t === undefined) {
      const type = canonicalType(e.type)
      t = this.typeRuns(type, eventCode(type))
      this.byType.set(e.type, t)
    }
    const runs = t.runs
    if (runs.length === 0) return
    const ops = t.ops
    let filled = false
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!
      const op = ops[i]!
      if (op === null) applyPlugin(r, e, truth)
      else {
        if (!filled) {
          fillEventOpAs(this.op, e, t.type, t.code)
          filled = true
        }
        op.call(r.strategy, r.state, this.op, truth)
      }
    }
  }

  /**
   * applyColumns - {@link apply} of event @i (type code @c ≥ 0) of integer columns @w: the EventOp is filled
   * from the columns (the same fields fillEventOpAs copies from the decoded object). Only when
   * {@link columnsOk} (a plugin gets event objects).
   */
  applyColumns(w: TruthColumns, i: number, c: number, truth: TruthView): void {
    let t = this.byCode[c]
    if (t === undefined) {
      t = this.typeRuns(EVENT_TYPES[c]!, c)
      this.byCode[c] = t
    }
    const runs = t.runs
    if (runs.length === 0) return
    const ops = t.ops
    const op = fillEventOpAs(this.op, columnEvent(w, i, c), t.type, c)
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!
      ops[k]!.call(r.strategy, r.state, op, truth)
    }
  }

  /** applyWith - apply @e to the ground truth @tx, then to the strategies if it broke no precondition */
  applyWith(tx: Txn, e: MmEvent): boolean {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal !== before) return false
    this.apply(e, tx)
    return true
  }

  /** snapshot - independent copies of every strategy's state */
  snapshot(): unknown[] {
    return this.runs.map((r) => r.strategy.snapshot(r.state))
  }

  /** restore - go back to the states of a {@link snapshot} */
  restore(snap: readonly unknown[]): void {
    this.runs.forEach((r, i) => {
      r.state = r.strategy.restore(snap[i])
    })
  }

  /** costs - per strategy id, its cost table */
  costs(): Map<string, CostTable> {
    return new Map(this.runs.map((r) => [r.strategy.id, r.strategy.costs(r.state)]))
  }

  /** totals - per strategy id, the sum of its cost rows */
  totals(): Map<string, CostRow> {
    return new Map(this.runs.map((r) => [r.strategy.id, totalCost(r.strategy.costs(r.state))]))
  }
}

/**
 * applyPlugin - hand @e to a scheme that has no applyOp (a plugin): behind a boundary. It gets a frozen copy
 * (the driver's event object is reused and shared with the ground truth: a plugin must not change either),
 * and whatever it throws becomes a {@link PluginError} naming it — also a process.exit() call and a call over
 * its time budget (pluginGuard.ts).
 */
function applyPlugin(r: StrategyRun, e: MmEvent, truth: TruthView): void {
  const copy = Object.freeze({ ...e }) as MmEvent
  try {
    inPlugin(r.strategy.id, () => r.strategy.apply(r.state, copy, truth))
  } catch (err) {
    throw new PluginError(r.strategy.id, e, err)
  }
}
