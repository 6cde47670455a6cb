import { describe, expect, it } from 'vitest'
import { ENUMS, EVENT_FIELDS, EVENT_TYPES, MAX_FIELDS, type MmEvent } from '@mmsim/core'
import { syntheticEvents } from '@mmsim/testing'
import { EventEncoder } from './eventCodec.ts'
import { EventDecoder } from './eventDecoder.ts'
import { decodeFrame, FrameBuilder, type ColumnarFrame } from './frameCodec.ts'
import { currentEnums, currentStructures, type EventStructure } from './traceHeader.ts'

/** one frame of @events, encoded and decoded back into column views (own, 8-aligned buffer) */
function frameOf(events: readonly MmEvent[], structures: EventStructure[] = currentStructures()): ColumnarFrame {
  const b = new FrameBuilder(Math.max(events.length, 1), MAX_FIELDS)
  const enc = new EventEncoder(structures)
  for (const e of events) enc.add(b, e)
  const payload = b.encode()
  const own = new Uint8Array(payload.length)
  own.set(payload)
  return decodeFrame(own, events.length)
}

const decoder = (structures: EventStructure[] = currentStructures()): EventDecoder => new EventDecoder(structures, currentEnums())

const mapped = (vpn: number, pgoff = 0): MmEvent => ({ type: 'vma/mapped', pid: 1, vpn, nrPages: 2, kind: 'anon', shared: false, writable: true, file: 0, pgoff, cause: 'c' })

describe('EventDecoder column widening', () => {
  it('widens a frame of small values into Int32 columns and decodes it exactly', () => {
    const events = syntheticEvents(3000, { seed: 5, maxProcs: 4 })
    const f = frameOf(events)
    const d = decoder()
    const w = d.widen(f)
    expect(w.allInt).toBe(true)
    expect(w.slots.every((s) => s instanceof Int32Array)).toBe(true)
    expect(d.toEvents(f)).toEqual(events)
  })

  it('keeps columns with values at or above 2^31 exact in Float64, per slot', () => {
    // slot 1 (vpn) crosses 2^31 inside a uint32 column; slot 7 (pgoff) needs a float64 column; slot 0 stays small
    const events = [mapped(2 ** 31 - 1), mapped(2 ** 31), mapped(2 ** 32 - 1, 2 ** 44 + 3), mapped(7)]
    const f = frameOf(events)
    expect(f.slots[1]).toBeInstanceOf(Uint32Array)
    expect(f.slots[7]).toBeInstanceOf(Float64Array)
    const d = decoder()
    const w = d.widen(f)
    expect(w.allInt).toBe(false)
    expect([...w.float.subarray(0, 8)]).toEqual([0, 1, 0, 0, 0, 0, 0, 1])
    expect(w.slots[0]).toBeInstanceOf(Int32Array)
    expect(Array.from(w.slots[1]!.subarray(0, 4))).toEqual([2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 7])
    expect(d.toEvents(f)).toEqual(events)
    // the next frame with small values goes back to Int32 for the same slot
    const small = frameOf([mapped(3), mapped(4)])
    expect(d.widen(small).allInt).toBe(true)
    expect(d.toEvents(small)).toEqual([mapped(3), mapped(4)])
  })

  it('gives each event its EVENT_TYPES code, its cause and its fields as integers', () => {
    const events = syntheticEvents(500, { seed: 8, maxProcs: 3 })
    const d = decoder()
    const w = d.widen(frameOf(events))
    expect(d.sameLayout).toBe(true)
    expect(w.count).toBe(events.length)
    for (const [i, e] of events.entries()) {
      expect(w.codes[i]).toBe(EVENT_TYPES.indexOf(e.type))
      expect(w.causes[w.causeIdx[i]!]).toBe(e.cause)
    }
    // sameLayout: slot k is field k of EVENT_FIELDS[type]; booleans 0/1, enums as ENUMS codes
    for (const [i, e] of events.entries()) {
      const got = EVENT_FIELDS[e.type].map((_, k) => w.slots[k]![i])
      const want = EVENT_FIELDS[e.type].map((f) => {
        const v = (e as unknown as Record<string, unknown>)[f.name]
        return f.kind === 'uint' ? v : f.kind === 'bool' ? (v ? 1 : 0) : (ENUMS[f.kind] as readonly unknown[]).indexOf(v)
      })
      expect(got).toEqual(want)
    }
  })

  it('reports other field orders and unknown types through sameLayout and code -1', () => {
    const structures = currentStructures()
    const k = structures.findIndex((s) => s.type === 'process/forked')
    structures[k] = { type: 'process/forked', fields: [...structures[k]!.fields].reverse() }
    structures.push({ type: 'future/thing', fields: [{ name: 'x', kind: 'uint' }] })
    const d = decoder(structures)
    expect(d.sameLayout).toBe(false)
    expect(d.types[k]).toMatchObject({ known: true, code: EVENT_TYPES.indexOf('process/forked') })
    expect(d.types[structures.length - 1]).toMatchObject({ known: false, code: -1 })
    const forked: MmEvent = { type: 'process/forked', pid: 2, child: 9, cause: '' }
    const f = frameOf([forked], structures)
    expect(d.toEvents(f)).toEqual([forked])
    // an event of the unknown type: counted (with its name and index) without building any event
    const b = new FrameBuilder(3, MAX_FIELDS)
    const enc = new EventEncoder(structures)
    enc.add(b, forked)
    b.add(structures.length - 1, 'later.c:1', [7])
    enc.add(b, forked)
    const own = new Uint8Array(b.encode())
    const mixed = decodeFrame(own, 3)
    const seen: [string, number][] = []
    expect(d.countUnknown(mixed, (name, i) => seen.push([name, i]))).toBe(1)
    expect(seen).toEqual([['future/thing', 1]])
    expect(d.widen(mixed).codes.subarray(0, 3)).toEqual(Int32Array.of(EVENT_TYPES.indexOf('process/forked'), -1, EVENT_TYPES.indexOf('process/forked')))
  })
})

describe('EventDecoder.countUnknown', () => {
  it('counts exactly the events of unknown types, wherever they sit, also among known codes above 31', () => {
    // a second 'check/marked' structure gives a known type a code above 31, past the 4-at-a-time test's range
    const structures = [...currentStructures(), { type: 'check/marked', fields: [{ name: 'line', kind: 'uint' as const }] }, { type: 'future/thing', fields: [{ name: 'x', kind: 'uint' as const }] }]
    const again = structures.length - 2
    const future = structures.length - 1
    expect(again).toBeGreaterThan(31)
    const d = decoder(structures)
    const known = syntheticEvents(50, { seed: 6 }).slice(0, 41) // 41: ten 4-code words and one code after them
    for (const at of [[], [0], [5], [38, 39], [40]]) {
      for (const withHigh of [false, true]) {
        const b = new FrameBuilder(64, MAX_FIELDS)
        const enc = new EventEncoder(structures)
        known.forEach((e, i) => {
          if (at.includes(i)) b.add(future, 'later.c:1', [i])
          else if (withHigh && i % 9 === 2) b.add(again, '', [i])
          else enc.add(b, e)
        })
        const f = decodeFrame(new Uint8Array(b.encode()), known.length)
        const seen: number[] = []
        expect(d.countUnknown(f, (name, i) => (expect(name).toBe('future/thing'), seen.push(i)))).toBe(at.length)
        expect(seen).toEqual(at)
      }
    }
  })
})

describe('EventDecoder.forEach', () => {
  it('stops when the callback returns true and says how many events it walked', () => {
    const events = syntheticEvents(100, { seed: 2 })
    const seen: MmEvent[] = []
    const walked = decoder().forEach(frameOf(events), (e, i) => (seen.push({ ...e }), i === 41))
    expect(walked).toBe(42)
    expect(seen).toEqual(events.slice(0, 42))
  })

  it('a walk started from inside another walk does not disturb the outer one', () => {
    const a = syntheticEvents(300, { seed: 3 })
    const b = syntheticEvents(200, { seed: 4 })
    const fa = frameOf(a)
    const fb = frameOf(b)
    const d = decoder()
    const outer: MmEvent[] = []
    let inner: MmEvent[] = []
    d.forEach(fa, (e, i) => {
      outer.push({ ...e })
      if (i === 10) inner = d.toEvents(fb)
    })
    expect(outer).toEqual(a)
    expect(inner).toEqual(b)
  })
})

describe('EventDecoder frameProblem (the per-frame schema check)', () => {
  // page 7 keeps slot 3 (vma/mapped's enum 'kind') a present column; cause 'a' makes the cause column present
  const added = (nrPages: number): MmEvent => ({ type: 'rmap/anonAdded', pid: 1, vpn: 0, folio: 0, page: 7, nrPages, level: 'pte', exclusive: false, cause: 'a' })
  // slot 4 is nrPages of rmap/anonAdded and the boolean 'shared' of vma/mapped: the nrPages value picks the column's width
  const widths = [[3, Uint8Array], [512, Uint16Array], [70_000, Uint32Array], [2 ** 40, Float64Array]] as const

  it('finds a bad boolean in a column of every width, whatever widths the frames before it had', () => {
    const d = decoder()
    for (let round = 0; round < 2; round++) {
      for (const [nr, kind] of widths) {
        const f = frameOf([added(nr), mapped(5), added(1)])
        expect(f.slots[4]).toBeInstanceOf(kind)
        expect(d.frameProblem(f)).toBeNull()
        f.slots[4]![1] = 2
        expect(d.frameProblem(f)).toBe(`event 1 (vma/mapped) has 2 in boolean field 'shared'`)
        f.slots[4]![1] = 1
        expect(d.frameProblem(f)).toBeNull()
      }
    }
  })

  it('takes an enum code up to the last value and rejects the next, and a cause index past the table', () => {
    const d = decoder()
    const f = frameOf([added(1), mapped(5)])
    f.slots[3]![1] = ENUMS.vmaKind.length - 1
    expect(d.frameProblem(f)).toBeNull()
    f.slots[3]![1] = ENUMS.vmaKind.length
    expect(d.frameProblem(f)).toBe(`event 1 (vma/mapped) has code ${ENUMS.vmaKind.length} in field 'kind', not a vmaKind value this version knows`)
    f.slots[3]![1] = 0
    f.causeIdx![1] = 2
    expect(d.frameProblem(f)).toBe('event 1 has cause index 2, the frame lists 2 causes')
  })

  it('with a file enum list holding a value this version lacks, rejects exactly that code', () => {
    const enums = { ...currentEnums(), vmaKind: ['anon', 'weird', 'file'] }
    const d = new EventDecoder(currentStructures(), enums)
    const f = frameOf([mapped(5), added(1)])
    for (const [code, ok] of [[0, true], [1, false], [2, true], [3, false]] as const) {
      f.slots[3]![0] = code
      expect(d.frameProblem(f) === null).toBe(ok)
    }
  })
})
