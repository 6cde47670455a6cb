import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type MmEvent } from '@mmsim/core'
import { syntheticEvents } from '@mmsim/testing'
import { collectTrace } from './collectTrace.ts'
import { currentStructures } from './format/traceHeader.ts'
import { jsonlEvents, JsonlWriter } from './jsonl.ts'
import { framePrefix, TraceWriter } from './traceWriter.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmtrace-'))
let n = 0
const tmp = (ext = '.mmtrace'): string => join(dir, `t${n++}${ext}`)

function write(events: readonly MmEvent[], frameEvents: number): string {
  const f = tmp()
  const w = new TraceWriter(f, { kind: 'synthetic' }, frameEvents)
  w.writeAll(events)
  w.close()
  return f
}

/** the index's byte offset, from the trailer */
const indexAt = (b: Buffer): number => b.readDoubleLE(b.length - 16)

/** frame offsets from the index of a good file */
async function offsets(f: string): Promise<number[]> {
  return (await collectTrace(f)).index!.offsets
}

describe('.mmtrace round trip', () => {
  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 600 })], { numRuns: 25 })(
    'write -> read gives the same events, for any frame size',
    async (seed, count, frameEvents) => {
      const events = count === 0 ? [] : syntheticEvents(count, { seed, regionChunks: 1 })
      const f = write(events, frameEvents)
      const got = await collectTrace(f)
      expect(got.damage).toEqual([])
      expect(got.complete).toBe(true)
      expect(got.events).toEqual(events)
      expect(got.index!.offsets.length).toBe(Math.ceil(events.length / frameEvents))
    },
  )

  it('keeps values above 2^32 (vpns of 57-bit addresses) and long causes exactly', async () => {
    const e: MmEvent = { type: 'vma/mapped', pid: 3, vpn: 2 ** 44 + 5, nrPages: 1, kind: 'file', shared: true, writable: false, file: 9, pgoff: 2 ** 33, cause: 'x.scenario:12' }
    const got = await collectTrace(write([e, { ...e, pid: 4, cause: '' }], 4096))
    expect(got.events).toEqual([e, { ...e, pid: 4, cause: '' }])
  })

  it('every event type survives a round trip', async () => {
    const events = syntheticEvents(20000, { seed: 1, maxProcs: 8 })
    const got = await collectTrace(write(events, 1000))
    expect(new Set(got.events.map((e) => e.type)).size).toBeGreaterThan(10)
    expect(got.events).toEqual(events)
    expect(EVENT_TYPES.length).toBeGreaterThan(30)
  })
})

describe('damage', () => {
  const events = syntheticEvents(5000, { seed: 42, maxProcs: 5 })
  const good = write(events, 500)
  const bytes = readFileSync(good)

  it('truncation at every frame boundary keeps every complete frame and reports where it ends', async () => {
    const offs = await offsets(good)
    for (let k = 1; k < offs.length; k++) {
      const f = tmp()
      writeFileSync(f, bytes.subarray(0, offs[k]))
      const got = await collectTrace(f)
      expect(got.events).toEqual(events.slice(0, k * 500))
      expect(got.complete).toBe(false)
      expect(got.damage).toHaveLength(1)
      // the index is gone: what came after the cut is unknown, never 'lost 0'; the running counts say what was committed
      expect(got.damage[0]).toMatchObject({ kind: 'truncated', offset: offs[k], lostEvents: null })
      expect(got.damage[0]!.reason).toBe(`the file ends after frame ${k - 1} without an index (the recording was cut off after ${k * 500} events were committed); how many were recorded after is unknown`)
    }
  })

  it('truncation mid-frame keeps the frames before and counts the events of the cut frame', async () => {
    const offs = await offsets(good)
    const ends = [...offs.slice(1), (await collectTrace(good)).index!.offsets.length > 0 ? indexAt(bytes) : 0]
    for (const k of [0, 3, offs.length - 1]) {
      for (const cut of [5, 20, ends[k]! - offs[k]! - 1]) {
        const f = tmp()
        writeFileSync(f, bytes.subarray(0, offs[k]! + cut))
        const got = await collectTrace(f)
        expect(got.events).toEqual(events.slice(0, k * 500))
        expect(got.damage[0]).toMatchObject({ kind: 'truncated', offset: offs[k], frameNo: k })
        expect(got.damage[0]!.lostEvents).toBeNull()
        const inFrame = Math.min(500, events.length - k * 500)
        if (cut >= 20) expect(got.damage[0]!.reason).toContain(`bytes (${inFrame} events); ${k * 500} events were committed before it; how many were recorded after them is unknown`)
        else expect(got.damage[0]!.reason).toBe(`the file ends ${cut} bytes into a frame header; ${k * 500} events were committed before it; how many were recorded after them is unknown`)
      }
    }
  })

  it('a flipped byte in a frame is reported by offset and frame number; salvage loses only that frame', async () => {
    const offs = await offsets(good)
    const ends = [...offs.slice(1), indexAt(bytes)]
    for (const k of [0, 4, offs.length - 1]) {
      for (const at of [2, 9, 14, 30, ends[k]! - offs[k]! - 1]) {
        const b = Buffer.from(bytes)
        b[offs[k]! + at]! ^= 0x5a
        const f = tmp()
        writeFileSync(f, b)
        const strict = await collectTrace(f)
        expect(strict.damage[0]).toMatchObject({ kind: 'corrupt', offset: offs[k], frameNo: k, resumedAt: null })
        expect(strict.events).toEqual(events.slice(0, k * 500))
        const salvaged = await collectTrace(f, { salvage: true })
        expect(salvaged.damage).toHaveLength(1)
        expect(salvaged.damage[0]!.lostEvents).toBe(Math.min(500, events.length - k * 500))
        expect(salvaged.events).toEqual([...events.slice(0, k * 500), ...events.slice((k + 1) * 500)])
      }
    }
  })

  it('a damaged index is reported and every frame is still read', async () => {
    const b = Buffer.from(bytes)
    b[indexAt(bytes) + 25]! ^= 0xff
    const f = tmp()
    writeFileSync(f, b)
    const got = await collectTrace(f)
    expect(got.events).toEqual(events)
    const frames = (await offsets(good)).length
    expect(got.damage).toEqual([expect.objectContaining({
      kind: 'truncated', offset: indexAt(bytes), lostEvents: 0, reason: `the index or trailer is damaged or cut off (it lists the ${frames} frames read, ${events.length} events)`,
    })])
  })

  it('a cut inside the index loses no event: every frame before it is there', async () => {
    const at = indexAt(bytes)
    for (const cut of [20, 23, bytes.length - 16 - at, bytes.length - 1 - at]) {
      const f = tmp()
      writeFileSync(f, bytes.subarray(0, at + cut))
      const got = await collectTrace(f)
      expect(got.events).toEqual(events)
      expect(got.damage).toEqual([expect.objectContaining({ kind: 'truncated', offset: at, lostEvents: 0 })])
    }
  })

  it('without an index, a missing frame is counted exactly from the running counts of the frames around it', async () => {
    const offs = await offsets(good)
    // frames 0..9 without the index; frame 3's bytes removed
    const cut = Buffer.concat([bytes.subarray(0, offs[3]), bytes.subarray(offs[4], offs[10])])
    const f = tmp()
    writeFileSync(f, cut)
    const strict = await collectTrace(f)
    expect(strict.damage[0]).toMatchObject({ kind: 'corrupt', offset: offs[3], frameNo: 3, lostEvents: 500, reason: 'found frame 4 where frame 3 was expected (frame 3 is missing)' })
    const salvaged = await collectTrace(f, { salvage: true })
    expect(salvaged.events).toEqual([...events.slice(0, 1500), ...events.slice(2000, 5000)])
    expect(salvaged.damage.map((d) => d.lostEvents)).toEqual([500, null])
    expect(salvaged.damage[1]!.reason).toContain('after 5000 events were committed')
  })

  it('a frame whose running count disagrees with the frames before it is damage, even with a valid checksum', async () => {
    const offs = await offsets(good)
    const b = Buffer.from(bytes)
    const len = b.readUInt32LE(offs[2]! + 4)
    const payloadEnd = offs[2]! + 20 + len
    b.writeDoubleLE(999, payloadEnd - 8)
    framePrefix('FRM1', b.subarray(offs[2]! + 20, payloadEnd), 500, 2).copy(b, offs[2])
    const f = tmp()
    writeFileSync(f, b)
    const got = await collectTrace(f)
    expect(got.events).toEqual(events.slice(0, 1000))
    expect(got.damage[0]).toMatchObject({ kind: 'corrupt', frameNo: 2, reason: 'frame 2 says 999 events came before it, the frames before it hold 1000' })
  })

  it('a trace written before running counts (no runningCounts in its header) still reads whole', async () => {
    const got = await collectTrace(join(import.meta.dirname, '../../../traces/fork-cow-pmd-thp.mmtrace'))
    expect(got.header.runningCounts).toBeUndefined()
    expect(got.complete).toBe(true)
    expect(got.damage).toEqual([])
    expect(got.events.length).toBeGreaterThan(0)
  })

  it('salvage resynchronises without an index', async () => {
    const offs = await offsets(good)
    const b = Buffer.from(bytes.subarray(0, offs[offs.length - 1]!)) // cut the last frame, the index and trailer
    b.write('JUNK', offs[2]!, 'latin1')
    const f = tmp()
    writeFileSync(f, b)
    const got = await collectTrace(f, { salvage: true })
    expect(got.damage[0]).toMatchObject({ kind: 'corrupt', offset: offs[2], frameNo: 2, resumedAt: offs[3] })
    expect(got.events).toEqual([...events.slice(0, 1000), ...events.slice(1500, (offs.length - 1) * 500)])
    expect(got.damage[1]).toMatchObject({ kind: 'truncated' })
  })

  it('a file that is not a trace gets one line saying so', async () => {
    const f = tmp('.txt')
    writeFileSync(f, 'hello world, this is not a trace\n')
    await expect(collectTrace(f)).rejects.toMatchObject({ userMessage: `${f}: not an mmsim trace (expected 'MMTRACE1' at byte 0, found 'hello wo')` })
    const g = tmp()
    writeFileSync(g, '')
    await expect(collectTrace(g)).rejects.toMatchObject({ userMessage: expect.stringContaining('found an empty file') })
  })

  it('a damaged header is fatal with one line', async () => {
    const b = Buffer.from(bytes)
    b[20]! ^= 1
    const f = tmp()
    writeFileSync(f, b)
    await expect(collectTrace(f)).rejects.toMatchObject({ userMessage: `${f}: bad trace header at byte 0: checksum mismatch` })
  })
})

describe('event types from a newer version', () => {
  it('are counted by name, not dropped silently, and the known events around them still decode', async () => {
    const f = tmp()
    const w = new TraceWriter(f, { kind: 'synthetic' }, 4096, [{ type: 'future/thing', fields: [{ name: 'x', kind: 'uint' }] }])
    const known = syntheticEvents(10, { seed: 3 })
    w.writeAll(known.slice(0, 5))
    // the extra structure's code: after the structures the writer declares by default (OPTIONAL_TYPES left out)
    const future = currentStructures().length
    w.writeRaw(future, 'later.c:1', [7])
    w.writeRaw(future, 'later.c:2', [8])
    w.writeAll(known.slice(5))
    w.close()
    const got = await collectTrace(f)
    expect(got.unknown).toEqual({ 'future/thing': 2 })
    expect(got.events).toEqual(known)
  })
})

describe('JSONL', () => {
  it('round-trips through JSONL', async () => {
    const events = syntheticEvents(500, { seed: 9 })
    const f = tmp('.jsonl')
    const w = new JsonlWriter(f, { kind: 'synthetic' })
    for (const e of events) w.write(e)
    w.close()
    const got: MmEvent[] = []
    for await (const e of jsonlEvents(f)) got.push(e)
    expect(got).toEqual(events)
  })

  it('names the file and line of a bad event and what was expected', async () => {
    const f = tmp('.jsonl')
    writeFileSync(f, ['{"format":"mmsim-trace-jsonl/1"}', '{"type":"process/created","pid":0}', '', '{"type":"rmap/removed","pid":0,"vpn":1,"folio":2,"page":2,"nrPages":1,"level":"pde"}'].join('\n'))
    const it = jsonlEvents(f)
    await expect((async () => { for await (const _ of it) void _ })()).rejects.toMatchObject({
      userMessage: `${f}:4: rmap/removed: field 'level' must be one of pte|pmd|pud, got "pde"`,
    })
    const g = tmp('.jsonl')
    writeFileSync(g, '{"type":"process/created","pid":0}\n{oops\n')
    await expect((async () => { for await (const _ of jsonlEvents(g)) void _ })()).rejects.toMatchObject({ userMessage: expect.stringMatching(/:2: not valid JSON/) })
  })
})
