import { closeSync, openSync, writeSync } from 'node:fs'
import { Packr } from 'msgpackr'
import { MAX_FIELDS, type MmEvent } from '@mmsim/core'
import { crc32 } from './format/crc32.ts'
import { EventEncoder } from './format/eventCodec.ts'
import { FrameBuilder } from './format/frameCodec.ts'
import {
  DEFAULT_FRAME_EVENTS, FILE_MAGIC, FORMAT_VERSION, FRAME_MAGIC, INDEX_MAGIC, TRAILER_MAGIC,
} from './format/layout.ts'
import { currentEnums, currentStructures, type EventStructure, type TraceHeader } from './format/traceHeader.ts'

const plain = new Packr({ useRecords: false })

/** TraceSource - what produced a trace (stored in its header). */
export type TraceSource = TraceHeader['source']

/** WriteSummary - what a finished writer wrote. */
export interface WriteSummary {
  events: number
  frames: number
  bytes: number
}

/** framePrefix - the 20 bytes before a frame or index payload; the CRC covers bytes 12..20 and the payload. */
export function framePrefix(magic: string, payload: Uint8Array, a: number, b: number): Buffer {
  const p = Buffer.alloc(20)
  p.write(magic, 0, 'latin1')
  p.writeUInt32LE(payload.length, 4)
  p.writeUInt32LE(a, 12)
  p.writeUInt32LE(b, 16)
  const z = crc32 as unknown as (d: Uint8Array, v?: number) => number
  p.writeUInt32LE(z(payload, z(p.subarray(12, 20))), 8)
  return p
}

/**
 * TraceWriter - writes a `.mmtrace` v1 file: header, frames of @frameEvents events as they fill (a crash
 * loses at most the frame being filled), then on close() the index and trailer.
 */
export class TraceWriter {
  private readonly fd: number
  private readonly frame: FrameBuilder
  private readonly encoder: EventEncoder
  private pos = 0
  private frames = 0
  private events = 0
  private readonly offsets: number[] = []
  private readonly counts: number[] = []
  private closed = false

  constructor(
    readonly path: string,
    source: TraceSource,
    frameEvents = DEFAULT_FRAME_EVENTS,
    /** structures of event types beyond this version's (what a newer mmsim would write; for tests) */
    extraStructures: EventStructure[] = [],
  ) {
    const structures = [...currentStructures(), ...extraStructures]
    const header: TraceHeader = {
      format: 'mmtrace', version: FORMAT_VERSION, pageSize: 4096, source, structures, enums: currentEnums(),
      frameEvents, createdBy: 'mmsim', runningCounts: true,
    }
    this.encoder = new EventEncoder(structures)
    this.frame = new FrameBuilder(frameEvents, MAX_FIELDS)
    this.fd = openSync(path, 'w')
    const h = plain.pack(header)
    const pre = Buffer.alloc(16)
    pre.write(FILE_MAGIC, 0, 'latin1')
    pre.writeUInt32LE(h.length, 8)
    pre.writeUInt32LE(crc32(h), 12)
    this.put(pre)
    this.put(h)
  }

  private put(b: Uint8Array): void {
    let off = 0
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off)
    this.pos += b.length
  }

  /** write - append one event (validated by its type; see validateEvent for untrusted input). */
  write(e: MmEvent): void {
    this.encoder.add(this.frame, e)
    if (this.frame.full) this.flushFrame()
  }

  /** writeRaw - append an event given as a type code (index into the header's structures) and slot values. */
  writeRaw(code: number, cause: string, values: number[]): void {
    this.frame.add(code, cause, values)
    if (this.frame.full) this.flushFrame()
  }

  /** writeAll - append @events. */
  writeAll(events: Iterable<MmEvent>): void {
    for (const e of events) this.write(e)
  }

  /** flushFrame - write the events buffered so far as one frame (no-op when empty). */
  flushFrame(): void {
    const n = this.frame.count
    if (n === 0) return
    const columns = this.frame.encode(true)
    // the running count (header.runningCounts): the events written before this frame, after its columns
    const payload = Buffer.allocUnsafe(columns.length + 8)
    payload.set(columns)
    payload.writeDoubleLE(this.events, columns.length)
    this.offsets.push(this.pos)
    this.counts.push(n)
    this.put(framePrefix(FRAME_MAGIC, payload, n, this.frames))
    this.put(payload)
    this.frames++
    this.events += n
  }

  /** close - flush, write the index and trailer, close the file. */
  close(): WriteSummary {
    if (this.closed) throw new Error('trace writer closed twice')
    this.flushFrame()
    const indexOffset = this.pos
    const payload = plain.pack({ offsets: this.offsets, events: this.counts, total: this.events })
    this.put(framePrefix(INDEX_MAGIC, payload, this.frames, 0))
    this.put(payload)
    const t = Buffer.alloc(16)
    t.writeDoubleLE(indexOffset, 0)
    t.write(TRAILER_MAGIC, 8, 'latin1')
    this.put(t)
    closeSync(this.fd)
    this.closed = true
    return { events: this.events, frames: this.frames, bytes: this.pos }
  }

  /** abort - close the file as it is, without an index (what a crash leaves). */
  abort(): void {
    if (!this.closed) closeSync(this.fd)
    this.closed = true
  }
}
