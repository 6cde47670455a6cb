import { describe, expect, test } from 'vitest'
import { mixedEvents, rng, syntheticEvents } from '@mmsim/testing'
import type { MmEvent } from '../events/mmEvent.ts'
import { ENUMS, EVENT_FIELDS, EVENT_TYPES, MAX_FIELDS, type EventType } from '../events/schema.ts'
import { applyTruthColumns, HOT_OK, type TruthColumns } from './truthColumns.ts'
import { truthDigest, truthSummaryOf } from './truthQueries.ts'
import { TruthState } from './truthState.ts'

// The column dispatch (integer codes and slots, fused order-0 fast paths) against TruthState.apply of the
// same events as objects: same violations (index, type, cause, message), digest and summary after every
// frame, on valid streams and on streams damaged so that preconditions break in the fast paths.

/** columns - @events as one frame of this version's layout (what the decoder's widen() hands a replay). */
function columns(events: readonly MmEvent[]): TruthColumns {
  const n = events.length
  const causes: string[] = []
  const causeIdx = new Int32Array(n)
  const codes = new Int32Array(n)
  const slots = Array.from({ length: MAX_FIELDS }, () => new Int32Array(n))
  events.forEach((e, i) => {
    const c = EVENT_TYPES.indexOf(e.type)
    codes[i] = c
    let k = causes.indexOf(e.cause)
    if (k < 0) k = causes.push(e.cause) - 1
    causeIdx[i] = k
    EVENT_FIELDS[e.type as EventType].forEach((f, s) => {
      const v = (e as unknown as Record<string, unknown>)[f.name]
      slots[s]![i] = f.kind === 'uint' ? (v as number) : f.kind === 'bool' ? (v ? 1 : 0) : (ENUMS[f.kind] as readonly string[]).indexOf(v as string)
    })
  })
  return { count: n, codes, causeIdx, causes, slots }
}

/** damage - drops, duplicates and nudged fields (the pid, vpn, folio or page of an rmap event) at @rate. */
function damage(events: readonly MmEvent[], seed: number, rate: number): MmEvent[] {
  const r = rng(seed)
  const out: MmEvent[] = []
  for (const e of events) {
    if (r() >= rate) {
      out.push(e)
      continue
    }
    const k = Math.floor(r() * 3)
    if (k === 0) continue
    if (k === 1) {
      out.push(e, e)
      continue
    }
    const copy = { ...e } as Record<string, unknown>
    const fields = Object.keys(copy).filter((f) => typeof copy[f] === 'number')
    if (fields.length > 0) {
      const f = fields[Math.floor(r() * fields.length)]!
      copy[f] = Math.max(0, (copy[f] as number) + [1, -1, 512, 4096][Math.floor(r() * 4)]!)
    }
    out.push(copy as unknown as MmEvent)
  }
  return out
}

function compare(events: readonly MmEvent[], frame: number): number {
  const a = new TruthState()
  const b = new TruthState()
  for (let at = 0; at < events.length; at += frame) {
    const part = events.slice(at, at + frame)
    for (const e of part) a.apply(e)
    expect(applyTruthColumns(b, columns(part), 0, false, () => {})).toBe(part.length)
    expect(b.applied).toBe(a.applied)
    expect(b.violationCount).toBe(a.violationCount)
    expect(b.violations).toEqual(a.violations)
  }
  expect(truthSummaryOf(b)).toEqual(truthSummaryOf(a))
  expect(truthDigest(b)).toBe(truthDigest(a))
  expect(b.eventCounts).toEqual(a.eventCounts)
  return a.violationCount
}

describe('applyTruthColumns', () => {
  test('the hot cases read the schema fields where they are', () => expect(HOT_OK).toBe(true))

  test('valid streams: the same state as event objects', () => {
    for (const seed of [1, 2, 3]) {
      compare(syntheticEvents(4000, { seed, maxProcs: 4, regionChunks: 1 }), 700)
      compare(mixedEvents(3000, { seed, maxProcs: 4 }), 512)
    }
  })

  test('damaged streams: the same violations, with the same messages, at the same events', () => {
    for (const seed of [4, 5, 6, 7]) {
      const events = damage(syntheticEvents(4000, { seed, maxProcs: 4, regionChunks: 1 }), seed * 31, 0.05)
      expect(compare(events, 1000)).toBeGreaterThan(0)
      expect(compare(damage(mixedEvents(3000, { seed, maxProcs: 4 }), seed * 17, 0.05), 999)).toBeGreaterThan(0)
    }
  })

  test('stopOnViolation stops right after the first event that breaks its precondition; unknown types are skipped', () => {
    const events = damage(syntheticEvents(2000, { seed: 9, maxProcs: 3, regionChunks: 1 }), 99, 0.05)
    const ref = new TruthState()
    let first = -1
    for (let i = 0; i < events.length && first < 0; i++) if (!ref.apply(events[i]!)) first = i
    expect(first).toBeGreaterThan(0)
    const w = columns([events[0]!, ...events])
    const codes = w.codes.slice()
    codes[0] = -1 // an unknown type (a copy of the first event): reported, not applied
    const seen: number[] = []
    const t = new TruthState()
    const end = applyTruthColumns(t, { ...w, codes }, 0, true, (i) => seen.push(i))
    expect(seen).toEqual([0])
    expect(end).toBe(first + 2)
    expect(t.violationCount).toBe(1)
  })
})
