import { ENUMS, EVENT_FIELDS, EVENT_TYPES, type TruthColumns } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { columnEvent, fillEventOpColumns } from './columnEvent.ts'
import { EventOp, fillEventOpAs } from './eventOp.ts'

/** columns of @rows events of type @c, field values from @seed (enums a valid index, booleans 0/1) */
function columns(c: number, rows: number, seed: number): TruthColumns {
  const slots = EVENT_FIELDS[EVENT_TYPES[c]!].map((f: { kind: string }, k: number) =>
    Int32Array.from({ length: rows }, (_, i) => {
      const x = (seed * 7919 + i * 104729 + k * 31) >>> 0
      if (f.kind === 'uint') return x % 100000
      if (f.kind === 'bool') return x & 1
      return x % (ENUMS[f.kind as keyof typeof ENUMS] as readonly string[]).length
    }))
  return { count: rows, codes: new Int32Array(rows).fill(c), causeIdx: new Int32Array(rows), causes: [''], slots }
}

describe('fillEventOpColumns', () => {
  test('gives every event type the fields and values fillEventOpAs copies from the column view', () => {
    for (let c = 0; c < EVENT_TYPES.length; c++) {
      const w = columns(c, 8, c + 1)
      // one EventOp each, reused across the rows as the drivers do (fields a type lacks keep their values)
      const a = new EventOp()
      const b = new EventOp()
      for (let i = 0; i < w.count; i++) {
        fillEventOpAs(a, columnEvent(w, i, c), EVENT_TYPES[c]!, c)
        fillEventOpColumns(b, w, i, c)
        expect({ ...b }, `${EVENT_TYPES[c]} row ${i}`).toEqual({ ...a })
      }
    }
  })
})
