import { CHUNK_PAGES, KIND, TruthState, type MmEvent, type Violation } from '@mmsim/core'
import type { StrategySet } from '@mmsim/strategies'
import { readTraceSync, type FrameDamage } from '@mmsim/trace'

/**
 * SchemeReplayHooks - what {@link replaySchemes} reports.
 * @onEvent: after event @e (number @ts, 0-based) broke no precondition and every scheme saw it; for a
 *   `folio/split`, [@lo, @hi) is the range of the folio before the split (else both -1)
 * @onViolation: event @ts broke a precondition (the violation, when the ground truth kept it)
 */
export interface SchemeReplayHooks {
  onEvent(e: MmEvent, ts: number, truth: TruthState, lo: number, hi: number): void
  onViolation?(ts: number, v: Violation | undefined): void
}

/** SchemeReplayResult - events decoded, damage met (reading stops at the first), whether the trace ended cleanly. */
export interface SchemeReplayResult {
  events: number
  damage: FrameDamage[]
  complete: boolean
}

const MASK = CHUNK_PAGES - 1

/**
 * truthMapcount - the ground truth's folio_mapcount() of the live folio headed at @pfn (PTEs, HGM PMDs and
 * PMD/PUD entries; 0 for zero pages), or -1 when none is.
 */
export function truthMapcount(t: TruthState, pfn: number): number {
  if (t.folios.headOrder(pfn) < 0) return -1
  const c = t.folios.chunk(pfn)!
  const j = pfn & MASK
  const k = c.kind[j]!
  if (k === KIND.zero || k === KIND.hugezero) return 0
  return c.entire[j]! + c.ptes[j]! + c.hgmPmdsAt(j)
}

/** isZeroFolio - is the live folio headed at @pfn the shared zero page or huge zero page? */
export function isZeroFolio(t: TruthState, pfn: number): boolean {
  if (t.folios.headOrder(pfn) < 0) return false
  const k = t.folios.chunk(pfn)!.kind[pfn & MASK]!
  return k === KIND.zero || k === KIND.hugezero
}

/**
 * replaySchemes - stream trace @file frame by frame through a fresh ground truth and the schemes of @set
 * (an event that breaks a precondition is not handed to them, as in replayTraceWithStrategies()), calling
 * @hooks per event. Synchronous; memory is the states and one frame; allocates nothing per event itself.
 * Throws the trace's TraceError when @file is not a readable trace.
 */
export function replaySchemes(file: string, set: StrategySet, hooks: SchemeReplayHooks): SchemeReplayResult {
  const truth = new TruthState()
  const res: SchemeReplayResult = { events: 0, damage: [], complete: false }
  const step = (e: MmEvent): void => {
    const ts = truth.applied
    let lo = -1
    let hi = -1
    if (e.type === 'folio/split') {
      const o = truth.folios.headOrder(e.folio)
      if (o >= 0) {
        lo = e.folio
        hi = e.folio + 2 ** o
      }
    }
    const before = truth.violationCount
    if (!truth.apply(e)) {
      const v = truth.violations[truth.violations.length - 1]
      hooks.onViolation?.(ts, truth.violationCount === before + 1 && v !== undefined && v.index === ts ? v : undefined)
      return
    }
    set.apply(e, truth)
    hooks.onEvent(e, ts, truth, lo, hi)
  }
  let dec = null
  for (const item of readTraceSync(file)) {
    if (item.kind === 'header') dec = item.decoder
    else if (item.kind === 'frame') res.events += dec!.forEach(item.frame, step)
    else if (item.kind === 'damage') res.damage.push(item.damage)
    else res.complete = item.complete
  }
  return res
}
