import { ENUMS, MAX_FIELDS, type MmEvent } from '@mmsim/core'
import type { FrameBuilder } from './frameCodec.ts'
import type { EventStructure } from './traceHeader.ts'

type Encoder = (e: Record<string, unknown>, slots: Float64Array[], i: number, max: Float64Array) => void

const ident = (s: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`bad field name '${s}'`)
  return s
}

/**
 * EventEncoder - turns events into frame columns, with this version's structures (type code = index).
 * The per-type encoders are generated once from the schema (no per-event reflection): each writes every
 * slot of the event's row (0 past its fields) and raises the frame's column maxima.
 */
export class EventEncoder {
  private readonly codes = new Map<string, number>()
  private readonly encoders: Encoder[] = []
  private lastType = ''
  private lastCode = -1

  /** @nSlots: the slot columns of the frames this encoder fills (FrameBuilder.nSlots) */
  constructor(structures: readonly EventStructure[], readonly nSlots = MAX_FIELDS) {
    structures.forEach((s, code) => {
      this.codes.set(s.type, code)
      const lines = s.fields.map((f, k) => {
        const name = ident(f.name)
        const value = f.kind === 'uint' ? `e.${name}` : f.kind === 'bool' ? `(e.${name} ? 1 : 0)` : `E.${f.kind}.indexOf(e.${name})`
        return `v = ${value}; s[${k}][i] = v; if (v > m[${k}]) m[${k}] = v;`
      })
      for (let k = s.fields.length; k < nSlots; k++) lines.push(`s[${k}][i] = 0;`)
      this.encoders.push(new Function('E', `return function encode(e, s, i, m) {\nlet v = 0;\n${lines.join('\n')}\n}`)(ENUMS) as Encoder)
    })
  }

  /** add - append @e to @frame. Precondition: @e is a valid event of a known type (see validateEvent). */
  add(frame: FrameBuilder, e: MmEvent): void {
    let code = this.lastCode
    if (e.type !== this.lastType) {
      const c = this.codes.get(e.type)
      if (c === undefined) throw new Error(`no structure for event type '${e.type}'`)
      code = c
      this.lastType = e.type
      this.lastCode = c
    }
    const i = frame.count
    frame.rawTypes[i] = code
    frame.rawCauseIdx[i] = frame.causeIndex(e.cause)
    const slots = frame.rawSlots
    if (slots.length !== this.nSlots) {
      if (slots.length < this.nSlots) throw new Error(`a frame of ${slots.length} slot columns for an encoder of ${this.nSlots}`)
      for (let k = this.nSlots; k < slots.length; k++) slots[k]![i] = 0
    }
    this.encoders[code]!(e as unknown as Record<string, unknown>, slots, i, frame.rawMax)
    frame.count++
  }
}
