import { setAutoFreeze } from 'immer'
import { lastValueFrom, reduce, takeWhile } from 'rxjs'
import { applyEvent, emptyState, Txn, type MmEvent, type MmState } from '@mmsim/core'
import { readTrace, type EventDecoder, type FrameDamage, type TraceHeader, type TraceItem } from '@mmsim/trace'

/**
 * ReplayOptions
 * @salvage: skip damaged frames instead of stopping at the first one
 * @stopOnViolation: stop right after the first event that breaks its precondition
 * @decodeOnly: read, checksum and decode every frame into its columns, apply nothing (measures the
 *   trace layer alone); with @materialize also build every event object (what a replay decodes)
 * @onProgress: called after each frame with the bytes read so far and the file size
 * @checkpointEvery: keep the state at every Nth frame boundary immutable and hand it to @onCheckpoint
 *   (0, the default: no checkpoint is kept, so each frame's transaction writes the state in place)
 * @onEvent: called after each event that broke no precondition, with the transaction as its post-event
 *   truth (read-only; the event is the decoder's reused scratch object: copy what you keep)
 */
export interface ReplayOptions {
  onEvent?: (e: MmEvent, tx: Txn) => void
  checkpointEvery?: number
  onCheckpoint?: (state: MmState, events: number) => void
  salvage?: boolean
  stopOnViolation?: boolean
  decodeOnly?: boolean
  materialize?: boolean
  onProgress?: (bytesRead: number, fileSize: number, events: number) => void
}

/** ReplayResult - what a replay found. @state is the final state (null for decode-only). */
export interface ReplayResult {
  file: string
  header: TraceHeader
  state: MmState | null
  events: number
  frames: number
  damage: FrameDamage[]
  unknown: Record<string, number>
  structureProblems: string[]
  complete: boolean
  stoppedAtViolation: boolean
}

interface Acc extends Omit<ReplayResult, 'header'> {
  header: TraceHeader | null
  decoder: EventDecoder | null
  fileSize: number
  stop: boolean
}

/**
 * replayTrace - stream @file frame by frame through the ground-truth reducers: one transaction per frame,
 * so the state at every frame boundary is an immutable checkpoint. Memory is bounded by the state and
 * one frame, not by the trace's length.
 */
export async function replayTrace(file: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  // the replay's states are never handed to code that could mutate them; deep-freezing them costs time
  setAutoFreeze(false)
  const init: Acc = {
    file, header: null, decoder: null, state: opts.decodeOnly ? null : emptyState(), events: 0, frames: 0, damage: [],
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
          else {
            const t = item.frame.types
            for (let i = 0; i < item.frame.count; i++) if (dec.types[t[i]!]?.known !== true) onUnknown(acc)(dec.types[t[i]!]?.name ?? `#${t[i]}`)
          }
          acc.events += item.frame.count
        } else {
          const every = opts.checkpointEvery ?? 0
          const keep = every > 0 && acc.frames % every === 0
          if (keep) opts.onCheckpoint?.(acc.state, acc.events)
          const tx = new Txn(acc.state, !keep)
          const before = acc.state.violationCount
          const stopOn = opts.stopOnViolation === true
          const onEvent = opts.onEvent
          let n = 0
          dec.forEach(
            item.frame,
            (e) => {
              const v0 = tx.violationTotal
              applyEvent(tx, e)
              n++
              if (tx.violationTotal === v0) {
                onEvent?.(e, tx)
                return false
              }
              if (stopOn && tx.violationTotal > before) {
                acc.stop = true
                acc.stoppedAtViolation = true
                return true
              }
              return false
            },
            onUnknown(acc),
          )
          acc.state = tx.commit()
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
    }
    return acc
  }
  const acc = await lastValueFrom(readTrace(file, { salvage: opts.salvage ?? false }).pipe(
      takeWhile(() => !init.stop),
      reduce(step, init),
    ))
  const { decoder: _d, fileSize: _f, stop: _s, ...rest } = acc
  return { ...rest, header: acc.header! }
}
