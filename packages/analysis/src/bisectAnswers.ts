import { HPAGE_PUD_NR, TruthState, type MmEvent, type Pfn, type TruthColumns } from '@mmsim/core'
import { readTraceSync, type ColumnarFrame, type EventDecoder, type WidenedFrame } from '@mmsim/trace'
import { damagedTrace } from './damagedTrace.ts'
import { DivergenceScanner, type Divergence, type ScanOptions } from './divergenceScanner.ts'

/** IndexedEvent - an event (a copy) and its 0-based index in the trace. */
export interface IndexedEvent {
  index: number
  event: MmEvent
}

/**
 * BisectResult - the first event after which the answers differ.
 * @labels: the names of side A and side B; @divergence: the first disagreement, null when none;
 * @context: up to @contextSize events before it that touched the same folio (or the folio it was split
 * or migrated from), oldest first; @events: events scanned; @skipped: events that broke a ground-truth
 * precondition (not compared); @state: the ground truth right after the divergent event (or at the end).
 */
export interface BisectResult {
  labels: [string, string]
  divergence: Divergence | null
  context: IndexedEvent[]
  events: number
  skipped: number
  state: TruthState
}

/** BisectOptions - {@link ScanOptions}, the number of @context events to list (5), and a progress callback. */
export interface BisectOptions extends ScanOptions {
  context?: number
  onProgress?: (bytesRead: number, fileSize: number, events: number) => void
}

/** touchesFolio - does @e name folio @f or one of @family (heads it came from)? Splits and migrations add ancestors to @family. */
function touchesFolio(e: MmEvent, family: Set<Pfn>): boolean {
  if (e.type === 'folio/migrated') {
    if (family.has(e.newFolio)) {
      family.add(e.folio)
      return true
    }
    return family.has(e.folio)
  }
  if (e.type === 'folio/split') {
    for (const f of family) if (f >= e.folio && f - e.folio < HPAGE_PUD_NR && f % 2 ** e.newOrder === 0) {
      family.add(e.folio)
      return true
    }
    return false
  }
  return 'folio' in e && typeof e.folio === 'number' && family.has(e.folio)
}

/** contextOf - walk @before (newest last) backwards for the @n latest events touching folio @folio. */
function contextOf(before: readonly IndexedEvent[], folio: Pfn, n: number): IndexedEvent[] {
  const family = new Set<Pfn>([folio])
  const out: IndexedEvent[] = []
  for (let i = before.length - 1; i >= 0 && out.length < n; i--) if (touchesFolio(before[i]!.event, family)) out.push(before[i]!)
  return out.reverse()
}

/**
 * bisectEvents - {@link bisectTrace} over events in memory (a simulated scenario): one transaction, the
 * scan stops at the first divergence.
 */
export function bisectEvents(events: readonly MmEvent[], opts: BisectOptions): BisectResult {
  let scanner = new DivergenceScanner(opts)
  let tx = new TruthState()
  for (let i = 0; i < events.length; i++) if (scanner.step(tx, events[i]!, i)) break
  const missed = scanner.first === null ? scanner.sweep(tx) : -1
  if (missed >= 0) {
    scanner = new DivergenceScanner({ ...opts, fullPages: new Set([missed]) })
    tx = new TruthState()
    for (let i = 0; i < events.length; i++) if (scanner.step(tx, events[i]!, i)) break
  }
  const d = scanner.first
  const context = d === null ? [] : contextOf(events.slice(Math.max(0, d.index - 4096), d.index).map((event, k) => ({ index: Math.max(0, d.index - 4096) + k, event })), d.folio, opts.context ?? 5)
  return { labels: scanner.labels, divergence: d, context, events: scanner.events, skipped: scanner.skipped, state: tx }
}

/**
 * bisectTrace - the first event of trace @file after which side A and side B answer differently (see
 * {@link DivergenceScanner}). One pass, frame by frame, over one flat ground truth written in
 * place: linear in the trace's length, memory bounded by the state and two frames (the current and the
 * previous one, re-decoded at the end for the context events). When the pass finds nothing but the final
 * sweep of sampled folios does, a second pass compares that folio's every page to name the exact event.
 */
export async function bisectTrace(file: string, opts: BisectOptions): Promise<BisectResult> {
  let scanner = new DivergenceScanner(opts)
  let r = await scanTrace(file, scanner, false, opts.onProgress)
  const missed = scanner.first === null ? scanner.sweep(r.state) : -1
  if (missed >= 0) {
    scanner = new DivergenceScanner({ ...opts, fullPages: new Set([missed]) })
    r = await scanTrace(file, scanner, false, opts.onProgress)
  }
  const d = scanner.first
  let context: IndexedEvent[] = []
  if (d !== null && r.decoder !== null) {
    const before: IndexedEvent[] = []
    for (const f of r.recent) r.decoder.forEach(f.frame, (e, i) => void (f.first + i < d.index && before.push({ index: f.first + i, event: { ...e } as MmEvent })))
    context = contextOf(before, d.folio, opts.context ?? 5)
  }
  return { labels: scanner.labels, divergence: d, context, events: scanner.events, skipped: scanner.skipped, state: r.state }
}

/**
 * scanTrace - feed trace @file to @scanner frame by frame (the ground truth written in place); with @all false stop after the frame of the first divergence. Returns the final state, the
 * decoder and the last two frames (for context).
 */
export async function scanTrace(
  file: string, scanner: DivergenceScanner, all: boolean, onProgress?: BisectOptions['onProgress'],
): Promise<{ state: TruthState; decoder: EventDecoder | null; recent: Array<{ frame: ColumnarFrame; first: number }> }> {
  const state = new TruthState()
  let decoder: EventDecoder | null = null
  let fileSize = 0
  const recent: Array<{ frame: ColumnarFrame; first: number }> = []
  // the synchronous reader (no await per frame); fresh buffers per frame: the last two are kept for context
  for (const item of readTraceSync(file, { salvage: false })) {
    if (item.kind === 'header') {
      decoder = item.decoder
      fileSize = item.fileSize
    } else if (item.kind === 'frame') {
      const base = scanner.events
      const dec = decoder!
      const w = scanner.columnsOk && dec.sameLayout ? dec.widen(item.frame) : null
      if (w !== null && w.allInt) {
        // the column path (as replay --strategy): no event object per event; unknown types skipped as forEach does
        scanner.beginColumns(w as WidenedFrame & TruthColumns)
        const codes = w.codes
        for (let i = 0; i < w.count; i++) {
          const c = codes[i]!
          if (c >= 0 && scanner.stepAt(state, i, c, base + i, all) && !all) break
        }
      } else dec.forEach(item.frame, (e, i) => scanner.step(state, e, base + i, all) && !all)
      recent.push({ frame: item.frame, first: base })
      if (recent.length > 2) recent.shift()
      onProgress?.(item.offset, fileSize, scanner.events)
      if (!all && scanner.first !== null) break
    } else if (item.kind === 'damage') {
      throw damagedTrace(file, item.damage, all ? 'diff' : 'bisect')
    }
  }
  return { state, decoder, recent }
}
