import { readSync } from 'node:fs'
import { Unpackr } from 'msgpackr'
import { ChunkedFile, CHUNK_BYTES, FRESH_CHUNK_BYTES } from './chunkedFile.ts'
import { crc32 } from './format/crc32.ts'
import { EventDecoder } from './format/eventDecoder.ts'
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

/**
 * SyncReadOptions - ReadOptions, plus how the synchronous reader buffers the file.
 * @reuseBuffers: recycle one chunk buffer. A frame's columns are then views that are valid only until the
 *   next item is read: decode (or copy) each frame before asking for the next. Default false: frames stay
 *   valid as long as they are referenced (each keeps its chunk alive).
 * @chunkBytes: bytes per `readSync` (default 1 MiB with @reuseBuffers, else 512 KiB: see chunkedFile.ts);
 *   a frame larger than a chunk gets a chunk of its own.
 */
export interface SyncReadOptions extends ReadOptions {
  reuseBuffers?: boolean
  chunkBytes?: number
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafeSlow(len)
  let got = 0
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got)
    if (n === 0) break
    got += n
  }
  return got === len ? b : b.subarray(0, got)
}

function printable(b: Uint8Array): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length)
  if (s.length === 0) return 'an empty file'
  const t = s.toString('latin1')
  return /^[\x20-\x7e]*$/.test(t) ? `'${t}'` : `bytes ${s.toString('hex')}`
}

function readHeader(fd: number, file: string, size: number): { header: TraceHeader; end: number } {
  const pre = readAt(fd, 0, HEADER_PREFIX)
  if (pre.length < 8 || pre.toString('latin1', 0, 8) !== FILE_MAGIC) throw new NotATraceError(file, printable(pre.subarray(0, 8)))
  if (pre.length < HEADER_PREFIX) throw new TraceHeaderError(file, `the file ends after ${size} bytes`)
  const len = pre.readUInt32LE(8)
  if (HEADER_PREFIX + len > size) throw new TraceHeaderError(file, `header of ${len} bytes runs past the end of the file (${size} bytes)`)
  const h = readAt(fd, HEADER_PREFIX, len)
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

function readIndex(fd: number, size: number, headerEnd: number): { index: TraceIndex; at: number } | null {
  if (size < headerEnd + FRAME_PREFIX + TRAILER_SIZE) return null
  const t = readAt(fd, size - TRAILER_SIZE, TRAILER_SIZE)
  if (t.toString('latin1', 8, 16) !== TRAILER_MAGIC) return null
  const at = t.readDoubleLE(0)
  if (!Number.isSafeInteger(at) || at < headerEnd || at + FRAME_PREFIX > size - TRAILER_SIZE) return null
  const pre = readAt(fd, at, FRAME_PREFIX)
  if (pre.toString('latin1', 0, 4) !== INDEX_MAGIC) return null
  const len = pre.readUInt32LE(4)
  if (at + FRAME_PREFIX + len !== size - TRAILER_SIZE) return null
  const payload = readAt(fd, at + FRAME_PREFIX, len)
  if (z(payload, z(pre.subarray(12, 20))) !== pre.readUInt32LE(8)) return null
  try {
    const index = plain.unpack(payload) as TraceIndex
    if (!Array.isArray(index.offsets) || !Array.isArray(index.events)) return null
    return { index, at }
  } catch {
    return null
  }
}

/** resync - the next offset after @pos holding a frame (or the index) whose checksum verifies, or -1. */
function resync(fd: number, pos: number, size: number): number {
  const CHUNK = 1 << 20
  for (let base = pos + 1; base < size; base += CHUNK - 4) {
    const buf = readAt(fd, base, Math.min(CHUNK, size - base))
    for (let i = buf.indexOf(FRAME_MAGIC, 0, 'latin1'); i >= 0; i = buf.indexOf(FRAME_MAGIC, i + 1, 'latin1')) {
      const p = base + i
      const raw = readAt(fd, p, FRAME_PREFIX)
      if (raw.length < FRAME_PREFIX) continue
      const len = raw.readUInt32LE(4)
      if (len > MAX_FRAME_BYTES || p + FRAME_PREFIX + len > size) continue
      const payload = readAt(fd, p + FRAME_PREFIX, len)
      if (z(payload, z(raw.subarray(12, 20))) === raw.readUInt32LE(8)) return p
    }
    const j = buf.indexOf(INDEX_MAGIC, 0, 'latin1')
    if (j >= 0) return base + j
  }
  return -1
}

const magicAt = (b: Buffer, at: number, m: string): boolean =>
  b[at] === m.charCodeAt(0) && b[at + 1] === m.charCodeAt(1) && b[at + 2] === m.charCodeAt(2) && b[at + 3] === m.charCodeAt(3)

/**
 * readTraceSync - read @file frame by frame with synchronous chunk reads: the header, every readable
 * frame, every damage found, then an end record (the same items, in the same order, as {@link readTrace}).
 * A frame's payload is checksummed and its columns viewed in place (copied only when it straddles a chunk,
 * or when a float64 column sits off an 8-byte boundary); memory is bounded by a chunk and the largest frame.
 *
 * Throws a TraceError (one line) when the file cannot be opened, is not a trace or its header is unusable;
 * damage after the header is yielded as a FrameDamage (with its byte offset), not thrown. With @salvage a
 * damaged frame is skipped (found again from the index, or by scanning for the next frame that checks out)
 * and reading goes on. Leaving the loop early (break, return()) closes the file.
 * @returns an iterator of {@link TraceItem}s; see {@link SyncReadOptions} for how long a frame stays valid.
 */
export function* readTraceSync(file: string, opts: SyncReadOptions = {}): Generator<TraceItem, void, undefined> {
  let f: ChunkedFile
  try {
    const reuse = opts.reuseBuffers ?? false
    f = ChunkedFile.open(file, opts.chunkBytes ?? (reuse ? CHUNK_BYTES : FRESH_CHUNK_BYTES), reuse)
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    throw new TraceOpenError(file, err.code ?? err.message)
  }
  try {
    const size = f.size
    const { header, end } = readHeader(f.fd, file, size)
    const decoder = new EventDecoder(header.structures, header.enums)
    const idx = readIndex(f.fd, size, end)
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
      let at = f.window(pos, FRAME_PREFIX, FRAME_PREFIX)
      if (at < 0) {
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
      let b = f.buf
      const isFrame = magicAt(b, at, FRAME_MAGIC)
      if (!isFrame && magicAt(b, at, INDEX_MAGIC) && idx === null) {
        yield { kind: 'damage', damage: { kind: 'truncated', offset: pos, frameNo: null, lostEvents: null, reason: 'the index or trailer is damaged or cut off', resumedAt: null } }
        break
      }
      const len = b.readUInt32LE(at + 4)
      const count = b.readUInt32LE(at + 12)
      let problem: string | null = null
      let frame: ColumnarFrame | null = null
      const nominalEnd = pos + FRAME_PREFIX + len
      if (!isFrame) problem = `expected a frame ('${FRAME_MAGIC}'), found ${printable(b.subarray(at, at + 4))}`
      else if (len > MAX_FRAME_BYTES) problem = `frame length ${len} is implausible`
      else if (nominalEnd > size) {
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo, lostEvents: lostFromIndex(frameNo) ?? count,
            reason: `the file ends ${size - pos - FRAME_PREFIX} bytes into a frame of ${len} bytes`, resumedAt: null,
          },
        }
        break
      } else {
        at = f.window(pos, FRAME_PREFIX + len, FRAME_PREFIX)
        b = f.buf
        const p = at + FRAME_PREFIX
        const v = at < 0 ? null : f.bytes(p, len)
        if (v === null || z(v, z(f.bytes(at + 12, 8))) !== b.readUInt32LE(at + 8)) problem = 'checksum mismatch'
        else {
          try {
            // frames of one chunk sit 4 mod 8 apart (20-byte prefixes): only float64 columns need a copy
            frame = decodeFrame((p & 3) === 0 ? v : f.realign(v), count, f.realign)
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
        resumedAt = next !== undefined && next > pos ? next : resync(f.fd, pos, size)
        if (resumedAt < 0) resumedAt = null
      }
      const lost = lostFromIndex(frameNo) ?? (isFrame ? count : null)
      yield { kind: 'damage', damage: { kind: 'corrupt', offset: pos, frameNo, lostEvents: lost, reason: problem ?? 'damaged', resumedAt } }
      if (resumedAt === null) break
      frameNo++
      pos = resumedAt
    }
    yield { kind: 'end', frames: frameNo, events, complete, bytesRead: pos }
  } finally {
    f.close()
  }
}
