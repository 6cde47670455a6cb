import { setAutoFreeze } from 'immer'
import { applyTruthColumns, assertNever, EVENT_CODE, TruthState, type MmEvent, type TruthCheckpoint, type TruthColumns } from '@mmsim/core'
import { readTraceSync, type EventDecoder, type FrameDamage, type TraceHeader, type TraceItem, type WidenedFrame } from '@mmsim/trace'

/**
 * ReplayOptions
 * @salvage: skip damaged frames instead of stopping at the first one
 * @stopOnViolation: stop right after the first event that breaks its precondition
 * @decodeOnly: read, checksum and decode every frame into its columns, apply nothing (measures the
 *   trace layer alone); with @materialize also build every event object (what a replay decodes)
 * @onProgress: called after each frame with the bytes read so far and the file size
 * @checkpointEvery: freeze the state at every Nth frame boundary and hand the checkpoint to @onCheckpoint
 *   (0, the default: none is taken, and the state is written in place)
 * @onEvent: called after each event that broke no precondition, with the ground truth after it
 *   (read-only; the event is the decoder's reused scratch object: copy what you keep)
 * @onColumnEvent: with it, a frame that widens to integer columns (this version's layout) is applied from
 *   them, and each event that broke no precondition is handed over, in order, as its index @i and type
 *   code @c in the frame's columns @w (valid during the call) instead of to @onEvent; the other frames
 *   still go through @onEvent — a caller gives both, reading the same fields from either. The truth it
 *   gets is the state after event @i for a folio/split (what a scheme reads) and otherwise after at most
 *   the events up to the frame's next folio/split or violation: the truth runs ahead in segments
 */
export interface ReplayOptions {
  onEvent?: (e: MmEvent, truth: TruthState) => void
  onColumnEvent?: (w: TruthColumns, i: number, c: number, truth: TruthState) => void
  checkpointEvery?: number
  onCheckpoint?: (checkpoint: TruthCheckpoint, events: number) => void
  salvage?: boolean
  stopOnViolation?: boolean
  decodeOnly?: boolean
  materialize?: boolean
  onProgress?: (bytesRead: number, fileSize: number, events: number) => void
}

/** ReplayResult - what a replay found. @state is the final ground truth (null for decode-only). */
export interface ReplayResult {
  file: string
  header: TraceHeader
  state: TruthState | null
  events: number
  frames: number
  damage: FrameDamage[]
  unknown: Record<string, number>
  structureProblems: string[]
  complete: boolean
  stoppedAtViolation: boolean
}

const NO_INTS = new Int32Array(0)
/** the EVENT_TYPES index of folio/split: the column path's segment boundary */
const C_FOLIO_SPLIT = EVENT_CODE['folio/split']

interface Acc extends Omit<ReplayResult, 'header'> {
  header: TraceHeader | null
  decoder: EventDecoder | null
  fileSize: number
  stop: boolean
}

/**
 * replayTrace - stream @file frame by frame through the flat ground truth ({@link TruthState}), which
 * allocates nothing per event; a checkpoint at a frame boundary costs O(chunks) and later writes copy
 * only the chunks and PTE tables they touch. Memory is bounded by the state and one frame, not by the
 * trace's length.
 */
export async function replayTrace(file: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  // the replay's states are never handed to code that could mutate them; deep-freezing them costs time
  setAutoFreeze(false)
  const init: Acc = {
    file, header: null, decoder: null, state: opts.decodeOnly ? null : new TruthState(), events: 0, frames: 0, damage: [],
    unknown: {}, structureProblems: [], complete: false, stoppedAtViolation: false, fileSize: 0, stop: false,
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
        const dec = acc.decoder!
        if (acc.state === null) {
          if (opts.materialize) dec.forEach(item.frame, () => {}, onUnknown(acc))
          else dec.countUnknown(item.frame, onUnknown(acc))
          acc.events += item.frame.count
        } else {
          const every = opts.checkpointEvery ?? 0
          const truth = acc.state
          if (every > 0 && acc.frames % every === 0) opts.onCheckpoint?.(truth.checkpoint(), acc.events)
          const before = truth.violationCount
          const stopOn = opts.stopOnViolation === true
          const onEvent = opts.onEvent
          let n = 0
          const onColumn = opts.onColumnEvent
          const w = (onEvent === undefined || onColumn !== undefined) && dec.sameLayout ? dec.widen(item.frame) : null
          // the column paths skip the events of types this version does not know, counted per name
          let unknown = 0
          const skip = (k: number): void => {
            unknown++
            onUnknown(acc)(dec.types[w!.types[k]!]?.name ?? `#${item.frame.types[k]}`)
          }
          if (w !== null && w.allInt && onColumn !== undefined) {
            // the integer path with the schemes: the ground truth takes the frame in segments that end at
            // a folio/split (the one event on which a scheme reads the truth: its post-split folios) or at
            // a violation (an event that changed nothing and goes to no scheme), then the schemes take the
            // segment's events; a window of the frame's columns ends at the segment
            const cols = w as WidenedFrame & { slots: Int32Array[] }
            one.codes = cols.codes
            one.causeIdx = cols.causeIdx
            one.causes = cols.causes
            one.slots = cols.slots
            const codes = cols.codes
            const count = cols.count
            let i = 0
            while (i < count && !acc.stop) {
              let end = i
              while (end < count && codes[end] !== C_FOLIO_SPLIT) end++
              if (end < count) end++
              one.count = end
              while (i < end) {
                const v = truth.violationCount
                const next = applyTruthColumns(truth, one, i, true, skip)
                const violated = truth.violationCount > v
                for (let k = i, e = violated ? next - 1 : next; k < e; k++) {
                  const c = codes[k]!
                  if (c >= 0) onColumn(cols, k, c, truth)
                }
                i = next
                if (violated && stopOn) {
                  acc.stop = true
                  acc.stoppedAtViolation = true
                  break
                }
              }
            }
            n = i - unknown
          } else if (w !== null && w.allInt && onEvent === undefined) {
            // the integer path: reducers read the widened columns, no event object for the common types
            n = applyTruthColumns(truth, w as WidenedFrame & { slots: Int32Array[] }, 0, stopOn, skip) - unknown
            if (stopOn && truth.violationCount > before) {
              acc.stop = true
              acc.stoppedAtViolation = true
            }
          } else dec.forEach(
            item.frame,
            (e) => {
              n++
              if (truth.apply(e)) {
                onEvent?.(e, truth)
                return false
              }
              if (stopOn && truth.violationCount > before) {
                acc.stop = true
                acc.stoppedAtViolation = true
                return true
              }
              return false
            },
            onUnknown(acc),
          )
          acc.events += n
        }
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
      default:
        assertNever(item, 'trace item')
    }
    return acc
  }
  // the one-event window of the column path (its arrays are the current frame's)
  const one: { count: number; codes: Int32Array; causeIdx: Int32Array; causes: readonly string[]; slots: Int32Array[] } = {
    count: 0, codes: NO_INTS, causeIdx: NO_INTS, causes: [], slots: [],
  }
  // one synchronous loop over the frames (a reused read buffer: each frame is consumed before the next is read)
  const acc = init
  for (const item of readTraceSync(file, { salvage: opts.salvage ?? false, reuseBuffers: true })) {
    step(acc, item)
    if (acc.stop) break
  }
  const { decoder: _d, fileSize: _f, stop: _s, ...rest } = acc
  return { ...rest, header: acc.header! }
}
