import { open, type FileHandle } from 'node:fs/promises'
import { Unpackr } from 'msgpackr'
import { from, type Observable } from 'rxjs'
import { crc32 } from './format/crc32.ts'
import { EventDecoder } from './format/eventCodec.ts'
import { decodeFrame, type ColumnarFrame } from './format/frameCodec.ts'
import {
  FILE_MAGIC, FORMAT_VERSION, FRAME_MAGIC, FRAME_PREFIX, HEADER_PREFIX, INDEX_MAGIC, MAX_FRAME_BYTES, TRAILER_MAGIC, TRAILER_SIZE,
} from './format/layout.ts'
import type { TraceHeader } from './format/traceHeader.ts'
import type { FrameDamage } from './errors/frameDamage.ts'
import { NotATraceError } from './errors/notATraceError.ts'
import { TraceHeaderError } from './errors/traceHeaderError.ts'
import { TraceOpenError } from './errors/traceOpenError.ts'

const plain = new Unpackr({ useRecords: false })
const z = crc32 as unknown as (d: Uint8Array, v?: number) => number

/** TraceIndex - the footer index: byte offset and event count of every frame. */
export interface TraceIndex {
  offsets: number[]
  events: number[]
  total: number
}

/** TraceItem - what reading a trace yields, in file order. */
export type TraceItem =
  | { kind: 'header'; header: TraceHeader; decoder: EventDecoder; index: TraceIndex | null; fileSize: number }
  | { kind: 'frame'; frameNo: number; offset: number; firstEvent: number; frame: ColumnarFrame }
  | { kind: 'damage'; damage: FrameDamage }
  | { kind: 'end'; frames: number; events: number; complete: boolean; bytesRead: number }

/** ReadOptions - @salvage: skip damaged frames and go on (otherwise reading stops at the first damage). */
export interface ReadOptions {
  salvage?: boolean
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.allocUnsafeSlow(len) // own ArrayBuffer at offset 0: columns can be viewed in place
  let got = 0
  while (got < len) {
    const { bytesRead } = await fh.read(b, got, len - got, pos + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return got === len ? b : b.subarray(0, got)
}

function printable(b: Buffer): string {
  if (b.length === 0) return 'an empty file'
  const s = b.toString('latin1')
  return /^[\x20-\x7e]*$/.test(s) ? `'${s}'` : `bytes ${b.toString('hex')}`
}

async function readHeader(fh: FileHandle, file: string, size: number): Promise<{ header: TraceHeader; end: number }> {
  const pre = await readAt(fh, 0, HEADER_PREFIX)
  if (pre.length < 8 || pre.toString('latin1', 0, 8) !== FILE_MAGIC) throw new NotATraceError(file, printable(pre.subarray(0, 8)))
  if (pre.length < HEADER_PREFIX) throw new TraceHeaderError(file, `the file ends after ${size} bytes`)
  const len = pre.readUInt32LE(8)
  if (HEADER_PREFIX + len > size) throw new TraceHeaderError(file, `header of ${len} bytes runs past the end of the file (${size} bytes)`)
  const h = await readAt(fh, HEADER_PREFIX, len)
  if (crc32(h) !== pre.readUInt32LE(12)) throw new TraceHeaderError(file, 'checksum mismatch')
  let header: TraceHeader
  try {
    header = plain.unpack(h) as TraceHeader
  } catch (e) {
    throw new TraceHeaderError(file, `undecodable (${(e as Error).message})`)
  }
  if (header?.format !== 'mmtrace' || typeof header.version !== 'number') throw new TraceHeaderError(file, 'not an mmtrace header')
  if (header.version > FORMAT_VERSION) {
    throw new TraceHeaderError(file, `format version ${header.version} is newer than this mmsim reads (${FORMAT_VERSION}); upgrade mmsim`)
  }
  if (!Array.isArray(header.structures) || typeof header.enums !== 'object') throw new TraceHeaderError(file, 'no event structures')
  return { header, end: HEADER_PREFIX + len }
}

async function readIndex(fh: FileHandle, size: number, headerEnd: number): Promise<{ index: TraceIndex; at: number } | null> {
  if (size < headerEnd + FRAME_PREFIX + TRAILER_SIZE) return null
  const t = await readAt(fh, size - TRAILER_SIZE, TRAILER_SIZE)
  if (t.toString('latin1', 8, 16) !== TRAILER_MAGIC) return null
  const at = t.readDoubleLE(0)
  if (!Number.isSafeInteger(at) || at < headerEnd || at + FRAME_PREFIX > size - TRAILER_SIZE) return null
  const pre = await readAt(fh, at, FRAME_PREFIX)
  if (pre.toString('latin1', 0, 4) !== INDEX_MAGIC) return null
  const len = pre.readUInt32LE(4)
  if (at + FRAME_PREFIX + len !== size - TRAILER_SIZE) return null
  const payload = await readAt(fh, at + FRAME_PREFIX, len)
  if (z(payload, z(pre.subarray(12, 20))) !== pre.readUInt32LE(8)) return null
  try {
    const index = plain.unpack(payload) as TraceIndex
    if (!Array.isArray(index.offsets) || !Array.isArray(index.events)) return null
    return { index, at }
  } catch {
    return null
  }
}

interface FrameHead {
  magic: string
  len: number
  crc: number
  a: number
  b: number
  raw: Buffer
}

async function frameHead(fh: FileHandle, pos: number): Promise<FrameHead | null> {
  const raw = await readAt(fh, pos, FRAME_PREFIX)
  if (raw.length < FRAME_PREFIX) return null
  return { magic: raw.toString('latin1', 0, 4), len: raw.readUInt32LE(4), crc: raw.readUInt32LE(8), a: raw.readUInt32LE(12), b: raw.readUInt32LE(16), raw }
}

/** resync - the next offset after @pos holding a frame (or the index) whose checksum verifies, or -1. */
async function resync(fh: FileHandle, pos: number, size: number): Promise<number> {
  const CHUNK = 1 << 20
  for (let base = pos + 1; base < size; base += CHUNK - 4) {
    const buf = await readAt(fh, base, Math.min(CHUNK, size - base))
    for (let i = buf.indexOf(FRAME_MAGIC, 0, 'latin1'); i >= 0; i = buf.indexOf(FRAME_MAGIC, i + 1, 'latin1')) {
      const p = base + i
      const h = await frameHead(fh, p)
      if (h === null || h.len > MAX_FRAME_BYTES || p + FRAME_PREFIX + h.len > size) continue
      const payload = await readAt(fh, p + FRAME_PREFIX, h.len)
      if (z(payload, z(h.raw.subarray(12, 20))) === h.crc) return p
    }
    const j = buf.indexOf(INDEX_MAGIC, 0, 'latin1')
    if (j >= 0) return base + j
  }
  return -1
}

/**
 * traceItems - read @file frame by frame (memory bounded by one frame): the header, every readable frame,
 * every damage found, then an end record. Throws a TraceError (one line) when the file is not a trace or
 * its header is unusable; damage after the header is yielded, not thrown.
 */
export async function* traceItems(file: string, opts: ReadOptions = {}): AsyncGenerator<TraceItem> {
  let fh: FileHandle
  try {
    fh = await open(file, 'r')
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    throw new TraceOpenError(file, err.code ?? err.message)
  }
  try {
    const size = (await fh.stat()).size
    const { header, end } = await readHeader(fh, file, size)
    const decoder = new EventDecoder(header.structures, header.enums)
    const idx = await readIndex(fh, size, end)
    yield { kind: 'header', header, decoder, index: idx?.index ?? null, fileSize: size }
    let pos = end
    let frameNo = 0
    let events = 0
    let complete = false
    const lostFromIndex = (n: number): number | null => idx?.index.events[n] ?? null
    for (;;) {
      if (idx !== null && pos === idx.at) {
        complete = true
        break
      }
      const h = await frameHead(fh, pos)
      if (h === null) {
        const tail = size - pos
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo: tail > 0 ? frameNo : null, lostEvents: tail > 0 ? lostFromIndex(frameNo) : 0,
            reason: tail > 0 ? `the file ends ${tail} bytes into a frame header` : 'the file ends without an index (the recording was cut off)',
            resumedAt: null,
          },
        }
        break
      }
      if (h.magic === INDEX_MAGIC && idx === null) {
        yield { kind: 'damage', damage: { kind: 'truncated', offset: pos, frameNo: null, lostEvents: null, reason: 'the index or trailer is damaged or cut off', resumedAt: null } }
        break
      }
      let problem: string | null = null
      let frame: ColumnarFrame | null = null
      const nominalEnd = pos + FRAME_PREFIX + h.len
      if (h.magic !== FRAME_MAGIC) problem = `expected a frame ('${FRAME_MAGIC}'), found ${printable(h.raw.subarray(0, 4))}`
      else if (h.len > MAX_FRAME_BYTES) problem = `frame length ${h.len} is implausible`
      else if (nominalEnd > size) {
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo, lostEvents: lostFromIndex(frameNo) ?? h.a,
            reason: `the file ends ${size - pos - FRAME_PREFIX} bytes into a frame of ${h.len} bytes`, resumedAt: null,
          },
        }
        break
      } else {
        const payload = await readAt(fh, pos + FRAME_PREFIX, h.len)
        if (z(payload, z(h.raw.subarray(12, 20))) !== h.crc) problem = 'checksum mismatch'
        else {
          try {
            frame = decodeFrame(payload, h.a)
          } catch (e) {
            problem = `undecodable frame (${(e as Error).message})`
          }
        }
      }
      if (frame !== null) {
        yield { kind: 'frame', frameNo, offset: pos, firstEvent: events, frame }
        events += frame.count
        frameNo++
        pos = nominalEnd
        continue
      }
      // a corrupted frame: report it; skip it when salvaging
      let resumedAt: number | null = null
      if (opts.salvage) {
        const next = idx?.index.offsets[frameNo + 1] ?? idx?.at
        resumedAt = next !== undefined && next > pos ? next : await resync(fh, pos, size)
        if (resumedAt < 0) resumedAt = null
      }
      const lost = lostFromIndex(frameNo) ?? (h.magic === FRAME_MAGIC ? h.a : null)
      yield { kind: 'damage', damage: { kind: 'corrupt', offset: pos, frameNo, lostEvents: lost, reason: problem ?? 'damaged', resumedAt } }
      if (resumedAt === null) break
      frameNo++
      pos = resumedAt
    }
    yield { kind: 'end', frames: frameNo, events, complete, bytesRead: pos }
  } finally {
    await fh.close()
  }
}

/** readTrace - @file as an rxjs stream of {@link TraceItem}s, one frame at a time. */
export function readTrace(file: string, opts: ReadOptions = {}): Observable<TraceItem> {
  return from(traceItems(file, opts))
}

