import { ENUMS, EVENT_FIELDS, EVENT_TYPES, isEventType, type EventType, type MmEvent } from '@mmsim/core'
import type { Column, ColumnarFrame } from './frameCodec.ts'
import type { EventStructure } from './traceHeader.ts'

/** WideColumn - one slot's values for the current frame: Int32 unless some value is >= 2^31 (then Float64). */
type WideColumn = Int32Array | Float64Array

type OnUnknown = (name: string, i: number) => void
type Walk = (w: WidenedFrame, frameTypes: Column, fn: (e: MmEvent, i: number) => boolean | void, onUnknown: OnUnknown | undefined) => number

const ident = (s: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`bad field name '${s}'`)
  return s
}

/** DecodedType - how one of the file's type codes decodes: a type this version knows, or one it skips. */
export interface DecodedType {
  name: string
  known: boolean
  /** this version's EVENT_TYPES index, or -1 when the type is unknown or its structure is unusable */
  code: number
}

/**
 * WidenedFrame - a frame's columns widened once into fixed-type scratch arrays (owned by the decoder and
 * overwritten by the next {@link EventDecoder.widen} or forEach: copy what you keep). Entries [0, count)
 * are valid; the arrays may be longer.
 * @types: the file's type code of each event (an index into the file's structures and decoder.types)
 * @codes: this version's EVENT_TYPES index of each event, -1 for a type it does not decode
 * @causeIdx: index of each event's cause in @causes (the frame's string table)
 * @slots: slot k = field k of the event's type in the file's structure. An Int32Array when every value of
 *   the column is below 2^31 (always the case for PFNs and VPNs below 8 TiB), else a Float64Array (@float[k]
 *   is then 1); an absent column is a shared all-zero Int32Array. Booleans are 0/1, enums are codes into the
 *   file's enum lists (equal to this version's when decoder.sameLayout).
 * @allInt: no slot needed the Float64 fallback in this frame
 */
export interface WidenedFrame {
  count: number
  types: Int32Array
  codes: Int32Array
  causeIdx: Int32Array
  causes: string[]
  slots: WideColumn[]
  float: Uint8Array
  allInt: boolean
}

class Scratch implements WidenedFrame {
  count = 0
  types: Int32Array
  codes: Int32Array
  causeIdx: Int32Array
  causes: string[] = []
  slots: WideColumn[]
  float: Uint8Array
  allInt = true
  private ints: Int32Array[]
  private floats: (Float64Array | null)[]
  private zeros: Int32Array

  constructor(private capacity: number, nSlots: number) {
    this.types = new Int32Array(capacity)
    this.codes = new Int32Array(capacity)
    this.causeIdx = new Int32Array(capacity)
    this.zeros = new Int32Array(capacity)
    this.ints = Array.from({ length: nSlots }, () => new Int32Array(capacity))
    this.floats = this.ints.map(() => null)
    this.slots = this.ints.map(() => this.zeros)
    this.float = new Uint8Array(nSlots)
  }

  private wide(k: number, col: Column, n: number): void {
    if (col instanceof Float64Array) return this.toFloat(k, col)
    const a = this.ints[k]!
    a.set(col)
    if (col instanceof Uint32Array) {
      // the Int32 conversion wraps values >= 2^31 to negatives: keep such a column exact in Float64
      for (let i = 0; i < n; i++) if (a[i]! < 0) return this.toFloat(k, col)
    }
    this.slots[k] = a
    this.float[k] = 0
  }

  private toFloat(k: number, col: Column): void {
    let f = this.floats[k]
    if (f === null || f === undefined) this.floats[k] = f = new Float64Array(this.capacity)
    f.set(col)
    this.slots[k] = f
    this.float[k] = 1
    this.allInt = false
  }

  /** load - widen every column of @frame into this scratch; slots beyond the frame's columns read as 0. */
  load(frame: ColumnarFrame): void {
    const n = frame.count
    if (n > this.capacity || frame.slots.length > this.ints.length) {
      // a frame bigger than any before (or with more slots): reallocate once
      // (doubling up to a full frame: frames that grow one by one do not reallocate each time)
      const fresh = new Scratch(Math.max(n, Math.min(2 * this.capacity, FULL_FRAME)), Math.max(frame.slots.length, this.ints.length))
      Object.assign(this, fresh)
    }
    this.count = n
    this.allInt = true
    this.causes = frame.causes
    this.types.set(frame.types)
    if (frame.causeIdx === null) this.causeIdx.fill(0, 0, n)
    else this.causeIdx.set(frame.causeIdx)
    const cols = frame.slots
    for (let k = 0; k < this.slots.length; k++) {
      const c = cols[k]
      if (c === null || c === undefined) {
        this.slots[k] = this.zeros
        this.float[k] = 0
      } else this.wide(k, c, n)
    }
  }
}

type CheckLoop = (types: Column, S: Column[], ci: Column, nc: number, n: number) => number
type WalkFactory = (V: Record<string, readonly string[]>, O: Record<string, unknown>[], names: string[]) => Walk
type CheckFactory = (OK: Record<string, Uint8Array>) => CheckLoop
/** the events of a writer's full frame: forEach's columns start smaller and grow to it (see Scratch.load) */
const FULL_FRAME = 4096
const KIND = ['a', 'b', 'c', 'd']
const kindOf = (c: Column): number => (c instanceof Uint8Array ? 0 : c instanceof Uint16Array ? 1 : c instanceof Uint32Array ? 2 : 3)

const sameList = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((v, i) => v === b[i])

/**
 * Layout - what an EventDecoder derives from a header's structures and enums alone, never changed after:
 * kept per layout key (the reader's: the header's checksummed bytes; at most 64 layouts) so that reading many
 * files of one header (the fuzzer, a corpus) does not redo it. The code compiled from its sources is kept too, as
 * factories: calling one makes a decoder its own walk (or check loop) closed over that decoder's own objects, so
 * decoders of one layout share compiled code and type feedback (per factory: the Int32 walk, the mixed walk and
 * each column signature's check loop keep theirs apart), never state. Per-decoder state (the scratch events the
 * walks fill, scratch columns) is never shared.
 */
interface Layout {
  types: DecodedType[]
  structureProblems: readonly string[]
  sameLayout: boolean
  sameFields: boolean
  known: Uint8Array
  fastMask: number
  localCode: Int32Array
  nSlots: number
  enumOk: Record<string, Uint8Array>
  fieldChecks: [number, string, string][][]
  checkSrc: string
  walkInt: WalkFactory
  walkMixed: WalkFactory
  /** per column signature (checkFor's): the check loop's factory */
  checkFactories: Map<string, CheckFactory>
  names: string[]
  /** a fresh set of the scratch events (object literals compiled from the templates: no per-object spread) */
  makeScratch: () => Record<string, unknown>[]
}

const LAYOUTS = new Map<string, Layout>()

/**
 * EventDecoder - decodes frames written with a file's own structures (from its header). Fields are
 * matched by name, so files from other versions decode as long as every field this version needs is there;
 * types this version does not know are counted by name and skipped, never silently dropped.
 *
 * Each frame's columns are widened once into fixed-type scratch arrays ({@link WidenedFrame}). forEach is
 * one loop generated from the file's structures: a `switch` on the type code whose cases fill that type's
 * scratch event, so every load reads an Int32Array (monomorphic) and every store hits one object shape. A
 * frame where some column needed the Float64 fallback runs a second compiled copy of the same loop.
 */
export class EventDecoder {
  readonly types: DecodedType[]
  /** problems found in the file's structures (each makes its type undecodable) */
  readonly structureProblems: string[] = []
  /**
   * true when every type this version decodes has exactly this version's fields in this version's order
   * and every enum lists this version's values: widened slot k of an event is then field k of
   * EVENT_FIELDS[type], enum codes are indices into ENUMS, and {@link WidenedFrame.codes} can drive a
   * reducer over integers directly. When false, use forEach (fields matched by name).
   */
  readonly sameLayout: boolean
  /** the generated walks: the Int32 one never sees a Float64Array, so its loads stay monomorphic */
  private readonly walkInt: Walk
  private readonly walkMixed: Walk
  private readonly known: Uint8Array
  /** countUnknown's word test: the bits of a byte >= the largest power of two up to which every code decodes */
  private readonly fastMask: number
  private readonly cases: string[] = []
  private readonly scratch: Record<string, unknown>[] = []
  private readonly localCode: Int32Array
  private readonly nSlots: number
  /** forEach's columns, and widen()'s (separate, so widen() may be called from a forEach callback) */
  private readonly walkCols: Scratch
  private wideCols: Scratch | null = null
  private walking = false
  private sameFields = true
  /** per enum kind: ok[code] = 1 when the file's value of that code is one this version knows */
  private readonly enumOk: Record<string, Uint8Array> = {}
  /** per known type code: the checks of its enum and bool fields, as [slot, kind or 'bool', field name] */
  private readonly fieldChecks: [number, string, string][][] = []
  private readonly checkCases: string[] = []
  /** the check loop's source, compiled once per column-kind signature of a frame (see checkFor) */
  private readonly checkSrc: string
  /** the check loops' factories per column signature: the layout's (shared by its decoders) or this decoder's */
  private readonly checkFactories: Map<string, CheckFactory>
  private readonly checkLoops = new Map<string, CheckLoop>()
  private checkShared: CheckLoop | null = null
  private zeros = new Uint8Array(0)

  /**
   * @layoutKey: a text that only headers with these exact @structures and @enums have (readTraceSync passes
   *   the header's bytes); decoders of one key share what they derive from the header, nothing they fill.
   *   Without it nothing is kept.
   */
  constructor(structures: readonly EventStructure[], enums: Record<string, readonly string[]>, layoutKey?: string) {
    const key = layoutKey ?? null
    const l = key === null ? undefined : LAYOUTS.get(key)
    if (l !== undefined) {
      this.types = l.types
      this.structureProblems.push(...l.structureProblems)
      this.sameLayout = l.sameLayout
      this.sameFields = l.sameFields
      this.known = l.known
      this.fastMask = l.fastMask
      this.localCode = l.localCode
      this.nSlots = l.nSlots
      Object.assign(this.enumOk, l.enumOk)
      this.fieldChecks.push(...l.fieldChecks)
      this.checkSrc = l.checkSrc
      this.checkFactories = l.checkFactories
      this.scratch = l.makeScratch()
      this.walkCols = new Scratch(0, this.nSlots)
      this.walkInt = l.walkInt(enums, this.scratch, l.names)
      this.walkMixed = l.walkMixed(enums, this.scratch, l.names)
      return
    }
    for (const kind of Object.keys(ENUMS) as (keyof typeof ENUMS)[]) {
      const fileValues = Object.prototype.hasOwnProperty.call(enums, kind) ? enums[kind] : undefined
      if (Array.isArray(fileValues)) this.enumOk[kind] = Uint8Array.from(fileValues, (v) => ((ENUMS[kind] as readonly string[]).includes(v) ? 1 : 0))
    }
    this.nSlots = structures.reduce((m, s) => Math.max(m, s.fields.length), 0)
    this.localCode = new Int32Array(structures.length)
    this.types = structures.map((s, code) => this.build(s, enums, code))
    this.known = Uint8Array.from(this.types, (t) => (t.known ? 1 : 0))
    const firstUnknown = Math.min(this.known.indexOf(0) >>> 0, this.known.length, 256)
    const below = firstUnknown < 2 ? 0 : 2 ** Math.floor(Math.log2(firstUnknown))
    this.fastMask = below === 0 || below === 256 ? 0 : ((0xff & ~(below - 1)) * 0x01010101) >>> 0
    this.types.forEach((t, code) => (this.localCode[code] = t.code))
    this.sameLayout = this.sameFields && Object.entries(ENUMS).every(([kind, values]) => sameList(enums[kind], values))
    this.walkCols = new Scratch(0, this.nSlots)
    const cols = Array.from({ length: this.nSlots }, (_, k) => `const s${k} = S[${k}];`).join(' ')
    const consts = [
      ...this.types.flatMap((t, code) => (t.known ? [`const o${code} = O[${code}];`] : [])),
      ...Object.keys(ENUMS).map((kind) => `const E_${ident(kind)} = V[${JSON.stringify(kind)}];`),
    ].join('\n')
    const src = `${consts}
return function walk(w, frameTypes, fn, onUnknown) {
  const types = w.types, ci = w.causeIdx, causes = w.causes, S = w.slots, n = w.count;
  ${cols}
  let o;
  for (let i = 0; i < n; i++) {
    switch (types[i]) {
${this.cases.join('\n')}
      default:
        if (onUnknown !== undefined) onUnknown(names[types[i]] ?? '#' + frameTypes[i], i);
        continue;
    }
    if (fn(o, i) === true) return i + 1;
  }
  return n;
}`
    const names = this.types.map((t) => t.name)
    const checkSrc = `return function checkEvents(types, S, ci, nc, n) {
  ${cols}
  for (let i = 0; i < n; i++) {
    if (ci[i] >= nc) return i;
    switch (types[i]) {
${this.checkCases.join('\n')}
    }
  }
  return -1;
}`
    this.checkSrc = checkSrc
    this.checkFactories = new Map()
    // the scratch templates are compiled before the walks below can fill this decoder's own objects; keys are
    // 'type', 'cause' and this version's field names (ident-checked), values are JSON literals
    const literal = (o: Record<string, unknown>): string => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`
    const templates = this.scratch.map((o) => ({ ...o }))
    const literals = templates.every((o) => Object.values(o).every((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))))
    // (a decoder built outside the reader may have been given enum values of other kinds: those are spread)
    const makeScratch = literals
      ? (new Function(`return [${templates.map(literal).join(',\n')}]`) as () => Record<string, unknown>[])
      : () => templates.map((o) => ({ ...o }))
    const walkInt = new Function('V', 'O', 'names', src) as WalkFactory
    const walkMixed = new Function('V', 'O', 'names', src) as WalkFactory
    this.walkInt = walkInt(enums, this.scratch, names)
    this.walkMixed = walkMixed(enums, this.scratch, names)
    if (key !== null) {
      if (LAYOUTS.size >= 64) LAYOUTS.clear()
      LAYOUTS.set(key, {
        types: this.types, structureProblems: [...this.structureProblems], sameLayout: this.sameLayout, sameFields: this.sameFields,
        known: this.known, fastMask: this.fastMask, localCode: this.localCode, nSlots: this.nSlots, enumOk: this.enumOk,
        fieldChecks: this.fieldChecks, checkSrc, walkInt, walkMixed, checkFactories: this.checkFactories, names, makeScratch,
      })
    }
  }

  private build(s: EventStructure, enums: Record<string, readonly string[]>, code: number): DecodedType {
    const skip = (): DecodedType => {
      this.scratch[code] = {}
      return { name: s.type, known: false, code: -1 }
    }
    if (!isEventType(s.type)) return skip()
    const local = EVENT_FIELDS[s.type as EventType]
    const lines: string[] = []
    const checks: [number, string, string][] = []
    const scratch: Record<string, unknown> = { type: s.type }
    for (const [j, lf] of local.entries()) {
      const k = s.fields.findIndex((f) => f.name === lf.name)
      const ff = s.fields[k]
      if (ff === undefined || ff.kind !== lf.kind) {
        this.structureProblems.push(`event type '${s.type}' in this file ${ff === undefined ? 'lacks' : 'has another kind for'} field '${lf.name}'`)
        return skip()
      }
      if (k !== j) this.sameFields = false
      const name = ident(lf.name)
      if (lf.kind === 'uint') {
        lines.push(`o.${name} = s${k}[i];`)
        scratch[lf.name] = 0
      } else if (lf.kind === 'bool') {
        lines.push(`o.${name} = s${k}[i] === 1;`)
        scratch[lf.name] = false
        checks.push([k, 'bool', lf.name])
      } else {
        const values = Object.prototype.hasOwnProperty.call(enums, lf.kind) ? enums[lf.kind] : undefined
        if (values === undefined) {
          this.structureProblems.push(`the file does not list the values of '${lf.kind}'`)
          return skip()
        }
        lines.push(`o.${name} = E_${ident(lf.kind)}[s${k}[i]];`)
        scratch[lf.name] = values[0]
        checks.push([k, lf.kind, lf.name])
      }
    }
    this.fieldChecks[code] = checks
    if (checks.length > 0) {
      // a bound baked into the code where every code of the file's list is known (the usual case): no table load
      const conds = checks.map(([k, kind]) => {
        if (kind === 'bool') return `s${k}[i] > 1`
        const ok = this.enumOk[kind]
        return ok !== undefined && !ok.includes(0) ? `s${k}[i] >= ${ok.length}` : `OK.${ident(kind)}[s${k}[i]] !== 1`
      })
      this.checkCases.push(`      case ${code}: if (${conds.join(' || ')}) return i; break;`)
    } else this.checkCases.push(`      case ${code}: break;`)
    if (s.fields.length !== local.length) this.sameFields = false
    scratch.cause = ''
    this.scratch[code] = scratch
    this.cases.push(`      case ${code}: o = o${code}; ${lines.join(' ')} o.cause = causes[ci[i]] ?? ''; break;`)
    return { name: s.type, known: true, code: EVENT_TYPES.indexOf(s.type as EventType) }
  }

  /**
   * frameProblem - why @frame holds an event this version must not apply, or null: a field value outside its
   * schema (an enum code with no value, or with a value this version does not know; a boolean other than 0/1;
   * an integer column that is not made of unsigned integers below 2^53: NaN, negative, fractional, too big) or
   * a cause index outside the frame's string table. One pass over the type codes, reading each event's enum
   * and bool fields only (and every value of a float64 column, which real traces seldom have).
   */
  frameProblem(frame: ColumnarFrame): string | null {
    const n = frame.count
    if (this.zeros.length < n) this.zeros = new Uint8Array(Math.max(n, 2 * this.zeros.length))
    const zeros = this.zeros
    const S: Column[] = []
    for (let k = 0; k < this.nSlots; k++) {
      const c = frame.slots[k]
      if (c === null || c === undefined) {
        S.push(zeros)
        continue
      }
      S.push(c)
      if (c instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
          const v = c[i]!
          if (!(v >= 0 && v <= 9007199254740991 && v === Math.floor(v))) return `event ${i} has ${v} in field slot ${k} (expected an unsigned integer below 2^53)`
        }
      }
    }
    const nc = frame.causes.length
    const ci = frame.causeIdx ?? zeros
    const i = this.checkFor(frame.types, ci, S)(frame.types, S, ci, nc, n)
    if (i < 0) return null
    const t = frame.types[i]!
    if (ci[i]! >= nc) return `event ${i} has cause index ${ci[i]}, the frame lists ${nc} causes`
    const name = this.types[t]?.name ?? `#${t}`
    for (const [k, kind, field] of this.fieldChecks[t] ?? []) {
      const v = S[k]![i]!
      if (kind === 'bool' && v > 1) return `event ${i} (${name}) has ${v} in boolean field '${field}'`
      if (kind !== 'bool' && this.enumOk[kind]![v] !== 1) return `event ${i} (${name}) has code ${v} in field '${field}', not a ${kind} value this version knows`
    }
    return `event ${i} (${name}) breaks its schema`
  }

  /**
   * checkFor - the check loop compiled for frames whose columns have the element types of @types, @ci and
   * @S: each compiled copy sees one typed-array kind per column, so its loads stay monomorphic (one loop for
   * every frame would see Uint8/16/32 and Float64 columns in the same slot and slow down by about 3x). A
   * file has few such signatures; past 32, frames share one generic copy.
   */
  private checkFor(types: Column, ci: Column, S: Column[]): CheckLoop {
    let sig = KIND[kindOf(types)]! + KIND[kindOf(ci)]!
    for (let k = 0; k < S.length; k++) sig += KIND[kindOf(S[k]!)]!
    let f = this.checkLoops.get(sig)
    if (f === undefined) {
      if (this.checkLoops.size >= 32) return (this.checkShared ??= this.compileCheck(''))
      f = this.compileCheck(sig)
      this.checkLoops.set(sig, f)
    }
    return f
  }

  /** compileCheck - this decoder's check loop for signature @sig ('': the shared copy), from its factory. */
  private compileCheck(sig: string): CheckLoop {
    let make = this.checkFactories.get(sig)
    if (make === undefined) {
      make = new Function('OK', this.checkSrc) as CheckFactory
      // a layout's factories are bounded like a decoder's loops (32 signatures and the shared copy)
      if (this.checkFactories.size <= 32) this.checkFactories.set(sig, make)
    }
    return make(this.enumOk)
  }

  /**
   * widen - @frame's columns widened into the decoder's scratch arrays, with this version's type code of
   * every event. The result is overwritten by the next widen(): read it before widening another frame.
   * @returns the {@link WidenedFrame}.
   */
  widen(frame: ColumnarFrame): WidenedFrame {
    const w = (this.wideCols ??= new Scratch(Math.max(frame.count, 1), this.nSlots))
    w.load(frame)
    const { types, codes } = w
    const local = this.localCode
    for (let i = 0; i < w.count; i++) {
      const t = types[i]!
      codes[i] = t >= 0 && t < local.length ? local[t]! : -1
    }
    return w
  }

  /**
   * countUnknown - the number of events of @frame whose type this version does not decode (what forEach
   * would hand to @onUnknown, which is called for each with the type's name and the event's index). Reads
   * only the type column: for decode-only passes that build no events.
   */
  countUnknown(frame: ColumnarFrame, onUnknown?: OnUnknown): number {
    const known = this.known
    const t = frame.types
    const n = frame.count
    if (this.fastMask !== 0 && t instanceof Uint8Array && (t.byteOffset & 3) === 0) {
      // 4 codes per load: no byte has a bit of fastMask set => every code is below a power of two that all decode
      const words = new Uint32Array(t.buffer, t.byteOffset, n >>> 2)
      const m = this.fastMask
      let clean = true
      for (let j = 0; j < words.length && clean; j++) clean = (words[j]! & m) === 0
      for (let i = n & ~3; i < n && clean; i++) clean = known[t[i]!] === 1
      if (clean) return 0
    }
    let unknown = 0
    for (let i = 0; i < n; i++) {
      if (known[t[i]!] !== 1) {
        unknown++
        onUnknown?.(this.types[t[i]!]?.name ?? `#${t[i]}`, i)
      }
    }
    return unknown
  }

  /**
   * forEach - call @fn for every event of @frame this version knows, in order; @onUnknown for others.
   * The event object passed to @fn is a scratch object reused for every event of its type: copy it to keep it.
   * When @fn returns true the walk stops. @returns the number of event slots walked.
   */
  forEach(frame: ColumnarFrame, fn: (e: MmEvent, i: number) => boolean | void, onUnknown?: (name: string, i: number) => void): number {
    // a nested walk (forEach called from @fn) gets its own columns: the outer walk is still reading these
    const outer = !this.walking
    const w = outer ? this.walkCols : new Scratch(frame.count, this.nSlots)
    this.walking = true
    try {
      w.load(frame)
      return (w.allInt ? this.walkInt : this.walkMixed)(w, frame.types, fn, onUnknown)
    } finally {
      if (outer) this.walking = false
    }
  }

  /** toEvents - the frame's known events as fresh objects. */
  toEvents(frame: ColumnarFrame, onUnknown?: (name: string, i: number) => void): MmEvent[] {
    const out: MmEvent[] = []
    this.forEach(frame, (e) => void out.push({ ...e }), onUnknown)
    return out
  }
}
