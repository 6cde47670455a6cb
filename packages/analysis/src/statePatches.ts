import { enablePatches, produceWithPatches, type Draft, type Patch } from 'immer'
import type { MmEvent, Pfn, Pid, TruthState, Vma } from '@mmsim/core'
import type { StrategySet } from '@mmsim/strategies'
import { inspectState, type InspectedFolio, type InspectedPage } from './inspectTrace.ts'

enablePatches()

/**
 * StateView - the part of the state one event can change, as plain data: the folios it touched (keyed by
 * head PFN in hex: their answers per side and their pages' entries and answers), the VMAs of the processes
 * it names (pid, child), and the ground-truth violation count.
 */
export interface StateView {
  folios: Record<string, ViewedFolio>
  vmas: Record<string, Vma[]>
  violations: number
}

/** ViewedFolio - an inspected folio with its mapped pages keyed by PFN in hex (paths name the page, not a list position). */
export interface ViewedFolio extends Omit<InspectedFolio, 'folio' | 'pages'> {
  pages: Record<string, Omit<InspectedPage, 'pfn'>>
}

/** StatePatch - one change of event N, immer's patch (RFC 6902 op, path as segments) with the value before. */
export interface StatePatch {
  op: 'add' | 'remove' | 'replace'
  path: (string | number)[]
  value?: unknown
  old?: unknown
}

const hex = (n: number): string => '0x' + n.toString(16)

/**
 * stateView - @state (ground truth) and the schemes of @set as a {@link StateView} restricted to folios
 * @heads (those not live are left out) and the VMAs of processes @pids (those not live are left out).
 */
export function stateView(state: TruthState, set: StrategySet, event: MmEvent, heads: readonly Pfn[], pids: readonly Pid[]): StateView {
  const ins = inspectState(state, set, 0, event, { touched: heads })
  const folios: StateView['folios'] = {}
  for (const { folio, pages, ...rest } of ins.folios) {
    const byPfn: ViewedFolio['pages'] = {}
    for (const { pfn, ...page } of pages) byPfn[hex(pfn)] = page
    folios[hex(folio)] = { ...rest, pages: byPfn }
  }
  const vmas: StateView['vmas'] = {}
  for (const pid of pids) {
    const list = state.vmas(pid)
    if (list !== null) vmas[String(pid)] = list.map((v) => ({ ...v }))
  }
  return { folios, vmas, violations: ins.violations }
}

/**
 * statePatches - what event N changed, as immer patches from @before (the view before it) to @after: the
 * recipe writes only the leaves that differ into a draft of @before, so immer reports each change at its
 * exact path (Redux DevTools style), with the old value from the inverse patches.
 */
export function statePatches(before: StateView, after: StateView): StatePatch[] {
  const [, patches, inverse] = produceWithPatches(before, (d) => reconcile(d as Draft<Record<string, unknown>>, after as unknown as Record<string, unknown>))
  const old = new Map(inverse.map((p) => [p.path.join('\u0000'), p]))
  return patches.map((p: Patch) => {
    const inv = old.get(p.path.join('\u0000'))
    const out: StatePatch = { op: p.op, path: p.path }
    if (p.op !== 'remove') out.value = p.value
    if (p.op !== 'add' && inv !== undefined && inv.op !== 'remove') out.old = inv.value
    return out
  })
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null

/** reconcile - make draft @d deep-equal @t, writing only what differs. */
function reconcile(d: Record<string, unknown> | unknown[], t: Record<string, unknown> | unknown[]): void {
  if (Array.isArray(d) && Array.isArray(t)) {
    if (d.length > t.length) d.length = t.length
    for (let i = 0; i < t.length; i++) assign(d as unknown as Record<string, unknown>, String(i), t[i], i < d.length)
    return
  }
  const dd = d as Record<string, unknown>
  const tt = t as Record<string, unknown>
  for (const k of Object.keys(dd)) if (!(k in tt)) delete dd[k]
  for (const k of Object.keys(tt)) assign(dd, k, tt[k], k in dd)
}

function assign(d: Record<string, unknown>, k: string, v: unknown, present: boolean): void {
  const cur = present ? d[k] : undefined
  if (present && isObj(cur) && isObj(v) && Array.isArray(cur) === Array.isArray(v)) return reconcile(cur as Record<string, unknown>, v)
  if (!present || cur !== v) d[k] = v
}
