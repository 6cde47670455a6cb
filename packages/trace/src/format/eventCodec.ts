import { ENUMS, type MmEvent } from '@mmsim/core'
import type { FrameBuilder } from './frameCodec.ts'
import type { EventStructure } from './traceHeader.ts'

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
