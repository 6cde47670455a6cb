import { readSync } from 'node:fs'
import { Unpackr } from 'msgpackr'
import { ChunkedFile, CHUNK_BYTES, FRESH_CHUNK_BYTES } from './chunkedFile.ts'
import { crc32 } from './format/crc32.ts'
import { EventDecoder } from './format/eventDecoder.ts'
import { decodeFrame, type ColumnarFrame } from './format/frameCodec.ts'
import {
  FILE_MAGIC, FORMAT_VERSION, FRAME_MAGIC, FRAME_PREFIX, HEADER_PREFIX, INDEX_MAGIC, MAX_FRAME_BYTES, MAX_HEADER_BYTES, MAX_INDEX_BYTES,
  TRAILER_MAGIC, TRAILER_SIZE,
} from './format/layout.ts'
import { headerProblem, type TraceHeader } from './format/traceHeader.ts'
import type { FrameDamage } from './errors/frameDamage.ts'
import { NotATraceError } from './errors/notATraceError.ts'
import { TraceHeaderError } from './errors/traceHeaderError.ts'
import { TraceOpenError } from './errors/traceOpenError.ts'

/** a fresh decoder per header and index: nothing read from one file's data can reach another's */
const plainUnpack = (b: Uint8Array): unknown => new Unpackr({ useRecords: false }).unpack(b)
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

function readDirect(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafeSlow(len)
  let got = 0
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got)
    if (n === 0) break
    got += n
  }
  return got === len ? b : b.subarray(0, got)
}

/**
 * readAt - a fresh buffer of the bytes [@pos, @pos + @len) of @f (fewer where the file ends): copied from its
 * chunk when it holds them (a small file is loaded whole once, see readHeader), else read.
 */
function readAt(f: ChunkedFile, pos: number, len: number): Buffer {
  return f.copyOf(pos, len) ?? readDirect(f.fd, pos, len)
}

function printable(b: Uint8Array): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length)
  if (s.length === 0) return 'an empty file'
  const t = s.toString('latin1')
  return /^[\x20-\x7e]*$/.test(t) ? `'${t}'` : `bytes ${s.toString('hex')}`
}

/** headers up to this size key their decoder's layout (EventDecoder's layoutKey) */
const LAYOUT_KEY_BYTES = 1 << 16

/**
 * the decoded headers of the last (at most 64) layout keys, for headers made of plain objects, arrays and
 * primitives only: a file whose header bytes match gets a fresh deep copy, never an object another read
 * handed out. From a key's second file on, the copy is made by a function compiled from the header as one
 * object literal (5 us for the 4 KiB default header; clonePlain: 11 us, decoding it again: 25 us).
 */
const HEADERS = new Map<string, { tree: unknown; make: (() => unknown) | null }>()

/** plainTree - @v holds only primitives, dense arrays and plain objects (no '__proto__' key), @depth deep at most. */
function plainTree(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return true
  if (depth === 0) return false
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false
    for (let i = 0; i < v.length; i++) if (!(i in v) || !plainTree(v[i], depth - 1)) return false
    return true
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || Object.getOwnPropertySymbols(v).length > 0) return false
  for (const k of Object.getOwnPropertyNames(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k)!
    if (k === '__proto__' || !d.enumerable || !('value' in d) || !d.writable || !plainTree(d.value, depth - 1)) return false
  }
  return true
}

/** clonePlain - a deep copy of @v, a {@link plainTree}. */
function clonePlain(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) {
    const a = new Array<unknown>(v.length)
    for (let i = 0; i < v.length; i++) a[i] = clonePlain(v[i])
    return a
  }
  const o: Record<string, unknown> = {}
  for (const k of Object.keys(v)) o[k] = clonePlain((v as Record<string, unknown>)[k])
  return o
}

/**
 * literal - JavaScript source of an expression that evaluates to a fresh deep copy of @v, a {@link plainTree}
 * (keys and strings are JSON literals, never '__proto__'), or null when it holds a value with no literal.
 */
function literal(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v)
    case 'boolean':
      return String(v)
    case 'bigint':
      return `${v}n`
    case 'undefined':
      return 'undefined'
    case 'object': {
      if (v === null) return 'null'
      const parts: string[] = []
      if (Array.isArray(v)) {
        for (const x of v) {
          const l = literal(x)
          if (l === null) return null
          parts.push(l)
        }
        return `[${parts.join(',')}]`
      }
      for (const k of Object.keys(v)) {
        const l = literal((v as Record<string, unknown>)[k])
        if (l === null) return null
        parts.push(`${JSON.stringify(k)}:${l}`)
      }
      return `{${parts.join(',')}}`
    }
    default:
      return null
  }
}

/** decodeHeader - @h's msgpack value (throws as the decoder does), from HEADERS when @key was seen. */
function decodeHeader(h: Buffer, key: string | undefined): unknown {
  const seen = key === undefined ? undefined : HEADERS.get(key)
  if (seen !== undefined) {
    if (seen.make === null) {
      const l = literal(seen.tree)
      seen.make = l === null ? () => clonePlain(seen.tree) : (new Function(`return ${l}`) as () => unknown)
    }
    return seen.make()
  }
  const v = plainUnpack(h)
  if (key !== undefined && v !== undefined && plainTree(v, 32)) {
    if (HEADERS.size >= 64) HEADERS.clear()
    HEADERS.set(key, { tree: clonePlain(v), make: null })
  }
  return v
}

function readHeader(f: ChunkedFile, file: string, size: number): { header: TraceHeader; end: number; key: string | undefined } {
  const pre = readDirect(f.fd, 0, HEADER_PREFIX)
  if (pre.length < 8 || pre.toString('latin1', 0, 8) !== FILE_MAGIC) throw new NotATraceError(file, printable(pre.subarray(0, 8)))
  if (pre.length < HEADER_PREFIX) throw new TraceHeaderError(file, `the file ends after ${size} bytes`)
  const len = pre.readUInt32LE(8)
  if (len > MAX_HEADER_BYTES) throw new TraceHeaderError(file, `header length ${len} is implausible (at most ${MAX_HEADER_BYTES})`)
  if (HEADER_PREFIX + len > size) throw new TraceHeaderError(file, `header of ${len} bytes runs past the end of the file (${size} bytes)`)
  // a file that fits one chunk is read whole now: its header, index and frames then take no more reads; its
  // first frame's payload lands 8-byte aligned, as when the frames are read from the header's end
  f.loadAll(HEADER_PREFIX + len + FRAME_PREFIX)
  const h = readAt(f, HEADER_PREFIX, len)
  if (crc32(h) !== pre.readUInt32LE(12)) throw new TraceHeaderError(file, 'checksum mismatch')
  const key = len <= LAYOUT_KEY_BYTES ? h.toString('latin1') : undefined
  let header: TraceHeader
  try {
    header = decodeHeader(h, key) as TraceHeader
  } catch (e) {
    throw new TraceHeaderError(file, `undecodable (${(e as Error).message})`)
  }
  if (typeof header !== 'object' || header === null || header.format !== 'mmtrace' || typeof header.version !== 'number') throw new TraceHeaderError(file, 'not an mmtrace header')
  if (header.version > FORMAT_VERSION) {
    throw new TraceHeaderError(file, `format version ${header.version} is newer than this mmsim reads (${FORMAT_VERSION}); upgrade mmsim`)
  }
  const problem = headerProblem(header as unknown as Record<string, unknown>)
  if (problem !== null) throw new TraceHeaderError(file, problem)
  // the checksummed bytes decode to these structures and enums and to nothing else: a safe layout key
  return { header, end: HEADER_PREFIX + len, key }
}

function readIndex(f: ChunkedFile, size: number, headerEnd: number): { index: TraceIndex; at: number } | null {
  if (size < headerEnd + FRAME_PREFIX + TRAILER_SIZE) return null
  const t = readAt(f, size - TRAILER_SIZE, TRAILER_SIZE)
  if (t.toString('latin1', 8, 16) !== TRAILER_MAGIC) return null
  const at = t.readDoubleLE(0)
  if (!Number.isSafeInteger(at) || at < headerEnd || at + FRAME_PREFIX > size - TRAILER_SIZE) return null
  const pre = readAt(f, at, FRAME_PREFIX)
  if (pre.toString('latin1', 0, 4) !== INDEX_MAGIC) return null
  const len = pre.readUInt32LE(4)
  if (len > MAX_INDEX_BYTES || at + FRAME_PREFIX + len !== size - TRAILER_SIZE) return null
  const payload = readAt(f, at + FRAME_PREFIX, len)
  if (z(payload, z(pre.subarray(12, 20))) !== pre.readUInt32LE(8)) return null
  let index: TraceIndex
  try {
    index = plainUnpack(payload) as TraceIndex
  } catch {
    return null
  }
  return indexIsSound(index, pre.readUInt32LE(12), headerEnd, at) ? { index, at } : null
}

/**
 * indexIsSound - @index lists @frames frames whose offsets are integers rising from the header's end
 * (@headerEnd) to before the index (@at), each with an event count below 2^32, summing to its total.
 */
function indexIsSound(index: TraceIndex, frames: number, headerEnd: number, at: number): boolean {
  if (typeof index !== 'object' || index === null) return false
  const { offsets, events } = index
  if (!Array.isArray(offsets) || !Array.isArray(events) || offsets.length !== events.length || offsets.length !== frames) return false
  let prev = headerEnd - FRAME_PREFIX
  let sum = 0
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]
    const e = events[i]
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < prev + FRAME_PREFIX || o + FRAME_PREFIX > at) return false
    if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0 || e > 0xffffffff) return false
    prev = o
    sum += e
  }
  if (offsets.length > 0 && offsets[0] !== headerEnd) return false
  return index.total === undefined || index.total === sum
}

/** resync - the next offset after @pos holding a frame (or the index) whose checksum verifies, or -1. */
function resync(f: ChunkedFile, pos: number, size: number, budget: { bytes: number }): number {
  // small reads first (the next frame is usually near), doubling to 1 MiB: linear in the bytes skipped
  let chunk = 1 << 16
  for (let base = pos + 1; base < size; base += chunk - 4, chunk = Math.min(chunk * 2, 1 << 20)) {
    const buf = readAt(f, base, Math.min(chunk, size - base))
    for (let i = buf.indexOf(FRAME_MAGIC, 0, 'latin1'); i >= 0; i = buf.indexOf(FRAME_MAGIC, i + 1, 'latin1')) {
      const p = base + i
      const raw = readAt(f, p, FRAME_PREFIX)
      if (raw.length < FRAME_PREFIX) continue
      const len = raw.readUInt32LE(4)
      if (len > MAX_FRAME_BYTES || p + FRAME_PREFIX + len > size) continue
      // a frame's events fit its payload (at least a byte each): a cheap test before checksumming
      if (raw.readUInt32LE(12) > len) continue
      // every candidate checksummed costs its length: bounded by a few times the file's size, so a file
      // crafted with many long-claiming frame magics cannot make salvage quadratic
      budget.bytes -= len
      if (budget.bytes < 0) return -1
      const payload = readAt(f, p + FRAME_PREFIX, len)
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
    const { header, end, key } = readHeader(f, file, size)
    let decoder: EventDecoder
    try {
      decoder = new EventDecoder(header.structures, header.enums, key)
    } catch (e) {
      throw new TraceHeaderError(file, `unusable event structures (${(e as Error).message})`)
    }
    const idx = readIndex(f, size, end)
    yield { kind: 'header', header, decoder, index: idx?.index ?? null, fileSize: size }
    let pos = end
    let frameNo = 0
    let events = 0
    let complete = false
    const lostFromIndex = (n: number): number | null => idx?.index.events[n] ?? null
    // header.runningCounts: every frame ends with the number of events written before it. nextFirst is what
    // the next frame must say (null after damage whose size is unknown: the next intact frame re-anchors it)
    const counted = header.runningCounts === true
    let nextFirst: number | null = counted ? 0 : null
    const committed = (): string => (nextFirst === null ? '' : `; ${nextFirst} events were committed before it`)
    const budget = { bytes: 4 * size + (64 << 20) }
    for (;;) {
      if (idx !== null && pos === idx.at) {
        const listed = idx.index.offsets.length
        if (frameNo < listed) {
          let lost = 0
          for (let k = frameNo; k < listed; k++) lost += idx.index.events[k]!
          yield {
            kind: 'damage',
            damage: {
              kind: 'corrupt', offset: pos, frameNo, lostEvents: lost, resumedAt: null,
              reason: `the index lists ${listed} frames, the file holds ${frameNo} before it (frames ${frameNo} to ${listed - 1} are missing)`,
            },
          }
        } else complete = frameNo === listed
        break
      }
      let at = f.window(pos, FRAME_PREFIX, FRAME_PREFIX)
      if (at < 0) {
        const tail = size - pos
        // a cut: nothing says how many events were recorded after it (the index that would is gone)
        const where = frameNo === 0 ? 'after its header' : `after frame ${frameNo - 1}`
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo: tail > 0 ? frameNo : null, lostEvents: lostFromIndex(frameNo),
            reason: tail > 0
              ? `the file ends ${tail} bytes into a frame header${committed()}; how many were recorded after them is unknown`
              : `the file ends ${where} without an index (the recording was cut off${nextFirst === null ? '' : ` after ${nextFirst} events were committed`}); how many were recorded after is unknown`,
            resumedAt: null,
          },
        }
        break
      }
      let b = f.buf
      const isFrame = magicAt(b, at, FRAME_MAGIC)
      if (!isFrame && magicAt(b, at, INDEX_MAGIC) && idx === null) {
        // the writer writes the index after the last frame: when its (unverified) frame count agrees, no frame is missing
        const whole = b.readUInt32LE(at + 12) === frameNo && nextFirst !== null
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo: null, lostEvents: whole ? 0 : null, resumedAt: null,
            reason: `the index or trailer is damaged or cut off${whole ? ` (it lists the ${frameNo} frames read, ${nextFirst} events)` : ''}`,
          },
        }
        break
      }
      const len = b.readUInt32LE(at + 4)
      const count = b.readUInt32LE(at + 12)
      const storedNo = b.readUInt32LE(at + 16)
      let problem: string | null = null
      let frame: ColumnarFrame | null = null
      let first = -1
      const nominalEnd = pos + FRAME_PREFIX + len
      if (!isFrame) problem = `expected a frame ('${FRAME_MAGIC}'), found ${printable(b.subarray(at, at + 4))}`
      else if (len > MAX_FRAME_BYTES) problem = `frame length ${len} is implausible`
      else if (nominalEnd > size) {
        yield {
          kind: 'damage',
          damage: {
            kind: 'truncated', offset: pos, frameNo, lostEvents: lostFromIndex(frameNo),
            reason: `the file ends ${size - pos - FRAME_PREFIX} bytes into a frame of ${len} bytes (${count} events)${committed()}; how many were recorded after them is unknown`,
            resumedAt: null,
          },
        }
        break
      } else {
        at = f.window(pos, FRAME_PREFIX + len, FRAME_PREFIX)
        b = f.buf
        const p = at + FRAME_PREFIX
        const v = at < 0 ? null : f.bytes(p, len)
        const ok = v !== null && z(v, z(f.bytes(at + 12, 8))) === b.readUInt32LE(at + 8)
        // the frame's running count (checksummed with it), or -1 when the file has none or it is malformed
        first = ok && counted && len >= 8 ? b.readDoubleLE(p + len - 8) : -1
        const firstOk = !counted || (Number.isSafeInteger(first) && first >= 0)
        if (!ok) problem = 'checksum mismatch'
        else if (!firstOk) problem = len < 8 ? 'frame payload shorter than its running count' : `frame running count ${first} is not an event count`
        else if (storedNo > frameNo) {
          // an intact frame with a later number: the frames in between are missing
          let lost: number | null = null
          if (idx !== null && storedNo <= idx.index.offsets.length) {
            lost = 0
            for (let k = frameNo; k < storedNo; k++) lost += idx.index.events[k]!
          } else if (nextFirst !== null && first >= nextFirst) lost = first - nextFirst
          if (counted) nextFirst = first
          const last = storedNo - 1
          yield {
            kind: 'damage',
            damage: {
              kind: 'corrupt', offset: pos, frameNo, lostEvents: lost, resumedAt: opts.salvage ? pos : null,
              reason: `found frame ${storedNo} where frame ${frameNo} was expected (frame${last > frameNo ? `s ${frameNo} to ${last} are` : ` ${frameNo} is`} missing)`,
            },
          }
          if (!opts.salvage) break
          frameNo = storedNo
          continue
        } else if (storedNo !== frameNo) problem = `found frame ${storedNo} where frame ${frameNo} was expected (duplicated or out of order)`
        else if (idx !== null && (idx.index.offsets[frameNo] !== pos || idx.index.events[frameNo] !== count)) {
          const o = idx.index.offsets[frameNo]
          problem = o === undefined
            ? `frame ${frameNo} is not in the index (it lists ${idx.index.offsets.length} frames)`
            : `the index places frame ${frameNo} at byte ${o} with ${idx.index.events[frameNo]} events, found at byte ${pos} with ${count}`
        } else if (nextFirst !== null && first !== nextFirst) {
          problem = `frame ${frameNo} says ${first} events came before it, the frames before it hold ${nextFirst}`
        } else {
          try {
            // frames of one chunk sit 4 mod 8 apart (20-byte prefixes): only float64 columns need a copy
            const cols = counted ? v!.subarray(0, len - 8) : v!
            frame = decodeFrame((p & 3) === 0 ? cols : f.realign(cols), count, f.realign)
          } catch (e) {
            problem = `undecodable frame (${(e as Error).message})`
          }
          if (frame !== null) {
            const bad = decoder.frameProblem(frame)
            if (bad !== null) {
              problem = `an event outside its schema: ${bad}`
              frame = null
            }
          }
        }
      }
      if (frame !== null) {
        if (counted) nextFirst = first + frame.count
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
        resumedAt = next !== undefined && next > pos ? next : resync(f, pos, size, budget)
        if (resumedAt < 0) resumedAt = null
      }
      const lost = lostFromIndex(frameNo) ?? (isFrame ? count : null)
      // how much the skipped frame held is known only from the index (its own header may be the damage)
      if (nextFirst !== null) nextFirst = idx !== null && lost !== null ? nextFirst + lost : null
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
