import type { MmEvent, TruthState } from '@mmsim/core'
import { StrategySet, type AnyStrategy } from '@mmsim/strategies'
import type { FrameDamage } from '@mmsim/trace'
import { busiestFolios, eventFolio } from './busiestFolios.ts'
import { replaySchemes, truthMapcount } from './schemeReplay.ts'
import { TraceEventWriter } from './traceEventWriter.ts'

/** DEFAULT_PERFETTO_FOLIOS - folios given tracks when none are named: the busiest this many. */
export const DEFAULT_PERFETTO_FOLIOS = 8

/**
 * PerfettoOptions - @strategies: the schemes given a counter track per folio; @folios: the head PFNs to
 * give tracks (default: the @top busiest, found by a first decode-only pass, see busiestFolios()).
 */
export interface PerfettoOptions {
  strategies: readonly AnyStrategy[]
  folios?: readonly number[]
  top?: number
  /** the name shown on the top process track (default: the trace path) */
  title?: string
}

/** PerfettoSummary - what an export wrote: @events replayed, @folios given tracks, counter @samples, divergence and violation instants. */
export interface PerfettoSummary {
  events: number
  folios: number[]
  samples: number
  divergences: number
  violations: number
  traceEvents: number
  damage: FrameDamage[]
  complete: boolean
}

/**
 * TIME_AXIS - how the export uses the trace-event time axis: `ts` is the 0-based index of the event in
 * the trace, so 1 µs in the viewer is one event (the UI's "1 ms" is a thousand events). A counter sample
 * at ts i is the value right after event i was applied; it holds until the next sample.
 */
export const TIME_AXIS = 'ts = 0-based event index in the trace (1 us = 1 event); a counter sample at ts i is the value right after event i'

const hex = (n: number): string => '0x' + n.toString(16)

/**
 * exportPerfetto - replay trace @file with @opts.strategies beside the ground truth and write to @out a
 * Chrome trace-event JSON document (Perfetto UI, chrome://tracing):
 * - one process per selected folio ("folio 0x…"), holding one counter track ("ph":"C") per scheme and one
 *   for the ground truth, each the folio_mapcount() answer, sampled after every event that names the folio
 *   (only when the value changed); 0 while no live folio is headed at that PFN;
 * - per scheme a thread of instants ("ph":"i") where its answer starts to differ from the truth (and where
 *   it agrees again), with the event, its cause line and both answers;
 * - process 0 "mmsim": global instants for every kept ground-truth violation and every `check`;
 * - names and sort order as metadata ("ph":"M"). The time axis is {@link TIME_AXIS}.
 * Streaming: events are decoded frame by frame and the JSON is written as it is produced; memory is the
 * ground truth, the schemes' states and a few numbers per selected folio. Two passes over @file when no
 * folio is named (the first decodes only). Nothing is allocated per event except for events naming a
 * selected folio.
 * Throws the trace's TraceError (one line) when @file is not a readable trace.
 */
export function exportPerfetto(file: string, out: string, opts: PerfettoOptions): PerfettoSummary {
  const folios = opts.folios !== undefined ? [...new Set(opts.folios)] : busiestFolios(file, opts.top ?? DEFAULT_PERFETTO_FOLIOS)
  const set = new StrategySet(opts.strategies)
  const runs = set.runs
  const S = runs.length
  const slot = new Map<number, number>()
  folios.forEach((f, k) => slot.set(f, k))
  const tracks = S + 1
  const last = new Float64Array(folios.length * tracks).fill(NaN)
  const diverging = new Uint8Array(folios.length * S)
  const w = new TraceEventWriter(out, {
    generator: 'mmsim export perfetto',
    trace: opts.title ?? file,
    timeAxis: TIME_AXIS,
    schemes: runs.map((r) => r.strategy.id),
    folios: folios.map(hex),
  })
  const sum: PerfettoSummary = { events: 0, folios, samples: 0, divergences: 0, violations: 0, traceEvents: 0, damage: [], complete: false }
  try {
    w.meta('process_name', 0, 0, { name: `mmsim ${opts.title ?? file}` })
    w.meta('process_sort_index', 0, 0, { sort_index: 0 })
    w.meta('thread_name', 0, 0, { name: 'violations and checks' })
    folios.forEach((f, k) => {
      w.meta('process_name', k + 1, 0, { name: `folio ${hex(f)}` })
      w.meta('process_sort_index', k + 1, 0, { sort_index: k + 1 })
      runs.forEach((r, j) => w.meta('thread_name', k + 1, j + 1, { name: `${r.strategy.id} vs truth` }))
    })
    const emit = (k: number, track: number, ts: number, name: string, v: number): void => {
      const i = k * tracks + track
      if (last[i] === v) return
      last[i] = v
      w.counter(k + 1, ts, name, 'folio_mapcount', v)
      sum.samples++
    }
    const sample = (truth: TruthState, k: number, ts: number, e: MmEvent): void => {
      const pfn = folios[k]!
      const t = truthMapcount(truth, pfn)
      emit(k, S, ts, 'truth', Math.max(t, 0))
      for (let j = 0; j < S; j++) {
        const r = runs[j]!
        const v = t < 0 ? 0 : r.strategy.folioMapcount(r.state, pfn)
        emit(k, j, ts, r.strategy.id, v)
        const d = k * S + j
        const differs = t >= 0 && v !== t
        if (differs === (diverging[d] === 1)) continue
        diverging[d] = differs ? 1 : 0
        if (differs) sum.divergences++
        w.instant(k + 1, j + 1, ts, 't', differs ? `${r.strategy.id}: folio_mapcount ${v}, truth ${t}` : `${r.strategy.id} agrees again`, {
          event: ts, type: e.type, cause: e.cause, scheme: r.strategy.id, answer: v, truth: t, folio: hex(pfn),
        })
      }
    }
    const r = replaySchemes(file, set, {
      onViolation(ts, v) {
        if (v === undefined) return
        sum.violations++
        w.instant(0, 0, ts, 'g', `violation: ${v.message}`, { event: ts, type: v.type, cause: v.cause })
      },
      onEvent(e, ts, truth, lo, hi) {
        if (e.type === 'check/marked') w.instant(0, 0, ts, 'g', `check (line ${e.line})`, { event: ts, cause: e.cause })
        if (lo >= 0) {
          for (let k = 0; k < folios.length; k++) if (folios[k]! >= lo && folios[k]! < hi) sample(truth, k, ts, e)
          return
        }
        const f = eventFolio(e)
        if (f < 0) return
        const k = slot.get(f)
        if (k !== undefined) sample(truth, k, ts, e)
      },
    })
    sum.events = r.events
    sum.damage = r.damage
    sum.complete = r.complete
    w.close()
  } catch (e) {
    w.abandon()
    throw e
  }
  sum.traceEvents = w.count
  return sum
}
