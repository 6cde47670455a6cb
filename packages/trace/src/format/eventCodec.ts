import { ENUMS, EVENT_FIELDS, isEventType, type EventType, type MmEvent } from '@mmsim/core'
import type { Column, ColumnarFrame, FrameBuilder } from './frameCodec.ts'
import type { EventStructure } from './traceHeader.ts'

type Slots = (Column | null)[]
type Filler = (slots: Slots, i: number, o: Record<string, unknown>) => void
type Encoder = (e: Record<string, unknown>, slots: Float64Array[], i: number) => void

const ident = (s: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`bad field name '${s}'`)
  return s
}

/**
 * EventEncoder - turns events into frame columns, with this version's structures (type code = index).
 * The per-type encoders are generated once from the schema (no per-event reflection).
 */
export class EventEncoder {
  private readonly codes = new Map<string, number>()
  private readonly encoders: Encoder[] = []

  constructor(structures: readonly EventStructure[]) {
    structures.forEach((s, code) => {
      this.codes.set(s.type, code)
      const body = s.fields
        .map((f, k) => {
          const name = ident(f.name)
          if (f.kind === 'uint') return `s[${k}][i] = e.${name};`
          if (f.kind === 'bool') return `s[${k}][i] = e.${name} ? 1 : 0;`
          return `s[${k}][i] = E.${f.kind}.indexOf(e.${name});`
        })
        .join('\n')
      this.encoders.push(new Function('E', `return function encode(e, s, i) {\n${body}\n}`)(ENUMS) as Encoder)
    })
  }

  /** add - append @e to @frame. Precondition: @e is a valid event of a known type (see validateEvent). */
  add(frame: FrameBuilder, e: MmEvent): void {
    const code = this.codes.get(e.type)
    if (code === undefined) throw new Error(`no structure for event type '${e.type}'`)
    const i = frame.count
    frame.rawTypes[i] = code
    frame.rawCauseIdx[i] = frame.causeIndex(e.cause)
    const slots = frame.rawSlots
    for (let k = 0; k < slots.length; k++) slots[k]![i] = 0
    this.encoders[code]!(e as unknown as Record<string, unknown>, slots, i)
    frame.count++
  }
}

/** DecodedType - how a file's type code decodes: as a known type with a filler, or as an unknown type. */
interface DecodedType {
  name: string
  known: boolean
  fill: Filler | null
  scratch: Record<string, unknown> | null
}

/**
 * EventDecoder - decodes frames written with a file's own structures (from its header). Fields are
 * matched by name, so files from other versions decode as long as every field this version needs is there;
 * types this version does not know are counted by name and skipped, never silently dropped.
 */
export class EventDecoder {
  readonly types: DecodedType[]
  /** problems found in the file's structures (each makes its type undecodable) */
  readonly structureProblems: string[] = []

  constructor(structures: readonly EventStructure[], enums: Record<string, readonly string[]>) {
    this.types = structures.map((s) => this.build(s, enums))
  }

  private build(s: EventStructure, enums: Record<string, readonly string[]>): DecodedType {
    if (!isEventType(s.type)) return { name: s.type, known: false, fill: null, scratch: null }
    const local = EVENT_FIELDS[s.type as EventType]
    const lines: string[] = []
    const scratch: Record<string, unknown> = { type: s.type }
    for (const lf of local) {
      const k = s.fields.findIndex((f) => f.name === lf.name)
      const ff = s.fields[k]
      if (ff === undefined || ff.kind !== lf.kind) {
        this.structureProblems.push(`event type '${s.type}' in this file ${ff === undefined ? 'lacks' : 'has another kind for'} field '${lf.name}'`)
        return { name: s.type, known: false, fill: null, scratch: null }
      }
      const name = ident(lf.name)
      const col = `(s[${k}] === null ? 0 : s[${k}][i])`
      if (lf.kind === 'uint') {
        lines.push(`o.${name} = ${col};`)
        scratch[lf.name] = 0
      } else if (lf.kind === 'bool') {
        lines.push(`o.${name} = ${col} === 1;`)
        scratch[lf.name] = false
      } else {
        const values = enums[lf.kind]
        if (values === undefined) {
          this.structureProblems.push(`the file does not list the values of '${lf.kind}'`)
          return { name: s.type, known: false, fill: null, scratch: null }
        }
        lines.push(`o.${name} = V.${ident(lf.kind)}[${col}];`)
        scratch[lf.name] = values[0]
      }
    }
    scratch.cause = ''
    const fill = new Function('V', `return function fill(s, i, o) {\n${lines.join('\n')}\n}`)(enums) as Filler
    return { name: s.type, known: true, fill, scratch }
  }

  /**
   * forEach - call @fn for every event of @frame this version knows, in order; @onUnknown for others.
   * The event object passed to @fn is a scratch object reused for every event of its type: copy it to keep it.
   * When @fn returns true the walk stops. @returns the number of event slots walked.
   */
  forEach(frame: ColumnarFrame, fn: (e: MmEvent, i: number) => boolean | void, onUnknown?: (name: string, i: number) => void): number {
    const { types, slots, causeIdx, causes } = frame
    const decoded = this.types
    for (let i = 0; i < frame.count; i++) {
      const t = decoded[types[i]!]
      if (t === undefined || t.fill === null) {
        onUnknown?.(t?.name ?? `#${types[i]}`, i)
        continue
      }
      const o = t.scratch!
      t.fill(slots, i, o)
      o.cause = causes[causeIdx === null ? 0 : causeIdx[i]!] ?? ''
      if (fn(o as unknown as MmEvent, i) === true) return i + 1
    }
    return frame.count
  }

  /** toEvents - the frame's known events as fresh objects. */
  toEvents(frame: ColumnarFrame, onUnknown?: (name: string, i: number) => void): MmEvent[] {
    const out: MmEvent[] = []
    this.forEach(frame, (e) => void out.push({ ...e }), onUnknown)
    return out
  }
}
