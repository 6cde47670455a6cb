import { applyEvent, EVENT_TYPES, type MmEvent, type TruthColumns, type Txn } from '@mmsim/core'
import { fillEventOpColumns } from './columnEvent.ts'
import { totalCost, type CostRow, type CostTable } from './costs.ts'
import { canonicalType, EventOp, eventCode, fillEventOpAs } from './eventOp.ts'
import { notePluginEvent, notePluginStart } from './pluginGuard.ts'
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
 * StrategySet - several strategies fed the same event stream beside the ground truth.
 * {@link applyWith} applies an event to the ground-truth transaction first, then — only if the event broke
 * no precondition — to every strategy whose `handles` contains its type, with the transaction as the
 * read-only post-event truth. Events are handed over as they come: a caller that reuses a scratch event
 * object must not expect a strategy to keep it (none does; a plugin scheme gets a frozen copy from its
 * boundary, guardedStrategy.ts). With a plugin scheme in the set, each event is noted for the boundary's
 * messages (its index and type: two stores) and so is a new run (notePluginStart()).
 */
export class StrategySet {
  readonly runs: StrategyRun[]

  constructor(strategies: readonly AnyStrategy[]) {
    this.columnsOk = strategies.every((s) => s.applyOp !== undefined)
    this.plugins = !this.columnsOk
    if (this.plugins) notePluginStart()
    this.runs = strategies.map((strategy) => ({ strategy, state: strategy.init() }))
  }

  /** some scheme has no applyOp (a plugin): events are noted for the plugin boundary's messages */
  private readonly plugins: boolean

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
    if (this.plugins) notePluginEvent(truth, e.type, e.cause)
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
      if (op === null) r.strategy.apply(r.state, e, truth)
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
    const op = fillEventOpColumns(this.op, w, i, c)
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
