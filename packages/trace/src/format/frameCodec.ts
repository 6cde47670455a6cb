import { Packr, Unpackr } from 'msgpackr'

/**
 * Columnar frames. A frame holds up to a few thousand events as columns: the event type code of each
 * event, its cause (an index into the frame's string table) and one column per field slot (slot k holds
 * field k of whatever type the event is). Each column is stored with the narrowest unsigned integer type
 * that holds its values, or float64 above 2^32, or not at all when every value is 0.
 *
 * payload := u32 metaLen, msgpack(FrameMeta), pad to 8, columns each padded to 8
 */

/** A column as decoded: a view on the frame's bytes (no copy). */
export type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array

interface FrameMeta {
  n: number
  /** element width code per column, in order: types, causes, slot 0, slot 1, ... (0 = absent) */
  w: number[]
  s: string[]
}

const META_STRUCTURES = [['n', 'w', 's']]
const packr = new Packr({ structures: META_STRUCTURES.map((s) => s.slice()), useRecords: true })
/**
 * readMeta - the frame metadata in @bytes, read by an Unpackr of its own: msgpackr keeps record structures
 * defined by the data it reads in its structures list, so a shared one would carry a definition read from
 * one (checksum-valid, hostile) frame into every later frame and file. One small object per frame: cheap.
 */
function readMeta(bytes: Uint8Array): unknown {
  return new Unpackr({ structures: META_STRUCTURES.map((s) => s.slice()), useRecords: true }).unpack(bytes)
}
/** most columns a frame may have (type codes, causes and up to this many - 2 field slots) */
export const MAX_FRAME_COLUMNS = 258

const WIDTH = [0, 1, 2, 4, 8]

function widthCode(max: number): number {
  if (max === 0) return 0
  if (max < 256) return 1
  if (max < 65536) return 2
  if (max < 4294967296) return 3
  return 4
}

function view(buf: Uint8Array, off: number, code: number, n: number): Column {
  const ab = buf.buffer
  const o = buf.byteOffset + off
  switch (code) {
    case 1: return new Uint8Array(ab, o, n)
    case 2: return new Uint16Array(ab, o, n)
    case 3: return new Uint32Array(ab, o, n)
    default: return new Float64Array(ab, o, n)
  }
}

const align8 = (n: number): number => (n + 7) & ~7

/** ColumnarFrame - one decoded frame. Columns of absent slots are null (all values 0). */
export interface ColumnarFrame {
  count: number
  types: Column
  causeIdx: Column | null
  causes: string[]
  slots: (Column | null)[]
}

/**
 * FrameBuilder - accumulates events as columns and encodes them into a frame payload.
 * add() takes one event's type code, cause and field values (already numeric: booleans 0/1, enums codes).
 * Each slot column's maximum is kept as events are added ({@link rawMax}), so encode() only narrows and
 * copies the columns that are present; every slot of every event is written (0 when the event has no such
 * field), so nothing is cleared between frames.
 */
export class FrameBuilder {
  count = 0
  private readonly types: Uint8Array
  private readonly causeIdx: Uint32Array
  private readonly slots: Float64Array[]
  private readonly max: Float64Array
  private readonly causeTable = new Map<string, number>()
  private readonly causes: string[] = []
  private lastCause: string | undefined = undefined
  private lastCauseIdx = 0
  private out: Buffer | null = null

  constructor(
    readonly capacity: number,
    readonly nSlots: number,
  ) {
    this.types = new Uint8Array(capacity)
    this.causeIdx = new Uint32Array(capacity)
    this.slots = Array.from({ length: nSlots }, () => new Float64Array(capacity))
    this.max = new Float64Array(nSlots)
  }

  get full(): boolean {
    return this.count >= this.capacity
  }

  /** causeIndex - the string-table index of @cause in this frame. */
  causeIndex(cause: string): number {
    if (cause === this.lastCause) return this.lastCauseIdx
    let i = this.causeTable.get(cause)
    if (i === undefined) {
      i = this.causes.length
      this.causes.push(cause)
      this.causeTable.set(cause, i)
    }
    this.lastCause = cause
    this.lastCauseIdx = i
    return i
  }

  /** add - append one event: @code, @cause and @values[k] for slot k (missing slots are 0). */
  add(code: number, cause: string, values: ArrayLike<number>): void {
    const i = this.count++
    this.types[i] = code
    this.causeIdx[i] = this.causeIndex(cause)
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!
      this.slots[k]![i] = v
      if (v > this.max[k]!) this.max[k] = v
    }
    for (let k = values.length; k < this.nSlots; k++) this.slots[k]![i] = 0
  }

  /**
   * rawSlots - raw access for generated encoders: the slot arrays, written at index count (every slot: 0 where
   * the event has no field) before count is incremented; a writer must raise {@link rawMax}[k] to the value
   * it wrote into slot k when that is larger.
   */
  get rawSlots(): Float64Array[] {
    return this.slots
  }

  /** rawMax - the largest value in each slot column so far (0 for an empty frame). */
  get rawMax(): Float64Array {
    return this.max
  }

  get rawTypes(): Uint8Array {
    return this.types
  }

  get rawCauseIdx(): Uint32Array {
    return this.causeIdx
  }

  /**
   * encode - the frame payload of the events added so far; the builder is then empty.
   * @reuse: write it into the builder's own buffer (valid until the next encode(true)) instead of a new one
   */
  encode(reuse = false): Buffer {
    const n = this.count
    const nCols = 2 + this.nSlots
    const codes = new Array<number>(nCols)
    // type codes are always stored as u8 (even when all are 0); cause indices run 0 .. causes - 1
    codes[0] = 1
    codes[1] = n === 0 ? 0 : widthCode(this.causes.length - 1)
    for (let k = 0; k < this.nSlots; k++) codes[k + 2] = widthCode(this.max[k]!)
    const meta = packr.pack({ n, w: codes, s: this.causes } satisfies FrameMeta)
    let size = align8(4 + meta.length)
    for (let c = 0; c < nCols; c++) size += align8(WIDTH[codes[c]!]! * n)
    let out: Buffer
    if (reuse) {
      if (this.out === null || this.out.length < size) this.out = Buffer.alloc(Math.max(size, 2 * (this.out?.length ?? 0)))
      out = this.out.subarray(0, size)
    } else out = Buffer.alloc(size)
    out.writeUInt32LE(meta.length, 0)
    meta.copy(out, 4)
    let off = align8(4 + meta.length)
    if (reuse) out.fill(0, 4 + meta.length, off)
    for (let c = 0; c < nCols; c++) {
      const code = codes[c]!
      if (code === 0) continue
      const data = c === 0 ? this.types : c === 1 ? this.causeIdx : this.slots[c - 2]!
      // every value fits the column's type (its maximum chose the width): a converting set() is exact
      view(out, off, code, n).set(data.subarray(0, n))
      const len = WIDTH[code]! * n
      if (reuse) out.fill(0, off + len, off + align8(len))
      off += align8(len)
    }
    this.count = 0
    this.causeTable.clear()
    this.causes.length = 0
    this.lastCause = undefined
    this.max.fill(0)
    return out
  }
}

/**
 * decodeFrame - the columns of frame payload @buf, viewed in place (no copy). @buf must start at a 4-byte
 * aligned address, and at an 8-byte aligned one when the frame has a float64 column: @realign, when given,
 * is then asked for an 8-aligned copy of @buf to view instead (without it, or reading it into its own
 * buffer, such a payload is an error). Throws a plain Error with a short reason when the payload is malformed.
 */
export function decodeFrame(buf: Uint8Array, expectedCount: number, realign?: (buf: Uint8Array) => Uint8Array): ColumnarFrame {
  if ((buf.byteOffset & 3) !== 0) throw new Error('frame payload is not 4-byte aligned')
  if (buf.length < 4) throw new Error('frame payload shorter than its metadata length')
  const metaLen = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true)
  if (4 + metaLen > buf.length) throw new Error('frame metadata runs past the payload')
  const meta = readMeta(buf.subarray(4, 4 + metaLen)) as FrameMeta
  if (typeof meta !== 'object' || meta === null || typeof meta.n !== 'number' || !Array.isArray(meta.w) || !Array.isArray(meta.s)) {
    throw new Error('frame metadata is malformed')
  }
  const n = meta.n
  if (n !== expectedCount) throw new Error(`frame metadata says ${n} events, its header ${expectedCount}`)
  if (meta.w.length < 2 && n > 0) throw new Error(`frame metadata lists ${meta.w.length} columns (at least 2: type codes and causes)`)
  if (meta.w.length > MAX_FRAME_COLUMNS) throw new Error(`frame metadata lists ${meta.w.length} columns (at most ${MAX_FRAME_COLUMNS})`)
  for (let c = 0; c < meta.w.length; c++) {
    const code = meta.w[c]
    if (code !== 0 && code !== 1 && code !== 2 && code !== 3 && code !== 4) throw new Error(`unknown column width code ${JSON.stringify(code)}`)
  }
  for (let c = 0; c < meta.s.length; c++) if (typeof meta.s[c] !== 'string') throw new Error(`frame cause ${c} is not a string`)
  if ((buf.byteOffset & 7) !== 0 && meta.w.includes(4)) {
    if (realign === undefined) throw new Error('frame payload is not 8-byte aligned')
    return decodeFrame(realign(buf), expectedCount)
  }
  let off = align8(4 + metaLen)
  const cols: (Column | null)[] = []
  for (const code of meta.w) {
    if (code === 0) {
      cols.push(null)
      continue
    }
    const len = WIDTH[code]! * n
    if (off + len > buf.length) throw new Error('frame columns run past the payload')
    cols.push(view(buf, off, code, n))
    off += align8(len)
  }
  const types = cols[0]
  if (types === null || types === undefined) throw new Error('frame has no type column')
  return { count: n, types, causeIdx: cols[1] ?? null, causes: meta.s, slots: cols.slice(2) }
}
