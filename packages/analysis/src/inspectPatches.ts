import type { Pfn, Pid } from '@mmsim/core'
import { inspectState, type Inspection, type InspectOptions } from './inspectTrace.ts'
import { replayPrefix } from './replayPrefix.ts'
import { touchedFolios } from './divergenceScanner.ts'
import { stateView, statePatches, type StatePatch, type StateView } from './statePatches.ts'

/** InspectionWithPatches - an {@link Inspection} and what event @at changed, as patches (see statePatches). */
export interface InspectionWithPatches extends Inspection {
  patches: StatePatch[]
}

/**
 * EventPatches - event @at's change: the views of what it may touch just @before and just @after it, and
 * @patches from one to the other (immer's applyPatches(before, patches) deep-equals @after); @inspection is
 * inspectTrace()'s answer for the same event.
 */
export interface EventPatches {
  inspection: Inspection
  before: StateView
  after: StateView
  patches: StatePatch[]
}

/**
 * eventPatches - replay trace @file once up to and including event @at, viewing the folios the event
 * touches and the VMAs of the processes it names (pid, child) just before and just after it, and diff the
 * two views (statePatches). Throws a RangeError when the trace has fewer than @at + 1 events.
 */
export async function eventPatches(file: string, at: number, opts: InspectOptions): Promise<EventPatches> {
  let before: StateView | null = null
  let heads: Pfn[] = []
  let pids: Pid[] = []
  const r = await replayPrefix(file, at + 1, opts.strategies, (truth, set, e) => {
    // the folios whose answers it may change, and the folio it names (a freed one disappears from the view)
    const named = (e as { folio?: unknown }).folio
    heads = [...new Set([...touchedFolios(e, truth), ...(typeof named === 'number' ? [named] : [])])]
    const { pid, child } = e as { pid?: unknown; child?: unknown }
    pids = [pid, child].filter((p): p is number => typeof p === 'number')
    before = stateView(truth, set, e, heads, pids)
  })
  if (r.events < at + 1 || r.last === null || before === null) throw new RangeError(`${file} has ${r.events} events: there is no event ${at}`)
  const shown = opts.folio !== undefined ? { folio: opts.folio } : opts.all === true ? 'all' : { touched: r.touched }
  const inspection = inspectState(r.state, r.set, at, r.last, shown)
  const after = stateView(r.state, r.set, r.last, heads, pids)
  return { inspection, before, after, patches: statePatches(before, after) }
}

/**
 * inspectTraceWithPatches - inspectTrace() and, in the same single replay, the patches of event @at: the
 * touched folios and the VMAs of the processes the event names, viewed just before and just after it.
 */
export async function inspectTraceWithPatches(file: string, at: number, opts: InspectOptions): Promise<InspectionWithPatches> {
  const r = await eventPatches(file, at, opts)
  return { ...r.inspection, patches: r.patches }
}
