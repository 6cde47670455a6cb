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
 * inspectTraceWithPatches - inspectTrace() and, in the same single replay, the patches of event @at: the
 * touched folios and the VMAs of the processes the event names, viewed just before and just after it.
 */
export async function inspectTraceWithPatches(file: string, at: number, opts: InspectOptions): Promise<InspectionWithPatches> {
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
  const ins = inspectState(r.state, r.set, at, r.last, shown)
  const after = stateView(r.state, r.set, r.last, heads, pids)
  return { ...ins, patches: statePatches(before, after) }
}
