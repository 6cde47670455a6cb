import { describe, expect, it } from 'vitest'
import { MAX_FIELDS, type MmEvent } from '@mmsim/core'
import { syntheticEvents } from '@mmsim/testing'
import { EventEncoder } from './eventCodec.ts'
import { EventDecoder } from './eventDecoder.ts'
import { decodeFrame, FrameBuilder, type ColumnarFrame } from './frameCodec.ts'
import { currentEnums, currentStructures, type EventStructure } from './traceHeader.ts'

// EventDecoder keeps what it derives from a header (the layout) per layout key (readTraceSync: the header's bytes),
// so many files of one header do not redo it; nothing a decoder fills (its scratch events) is shared.

function frameOf(events: readonly MmEvent[], structures: EventStructure[] = currentStructures()): ColumnarFrame {
  const b = new FrameBuilder(Math.max(events.length, 1), MAX_FIELDS)
  const enc = new EventEncoder(structures)
  for (const e of events) enc.add(b, e)
  const payload = b.encode()
  const own = new Uint8Array(payload.length)
  own.set(payload)
  return decodeFrame(own, events.length)
}

describe('decoder layouts', () => {
  it('two decoders of the same header decode alike and do not share the event objects they fill', () => {
    const events = syntheticEvents(500, { seed: 9, maxProcs: 4 })
    const f = frameOf(events)
    const a = new EventDecoder(currentStructures(), currentEnums(), 'same header')
    const b = new EventDecoder(currentStructures(), currentEnums(), 'same header')
    expect(b.toEvents(f)).toEqual(events)
    const seenA: MmEvent[] = []
    const seenB: MmEvent[] = []
    // interleaved: each decoder's scratch event of a type must be its own object
    a.forEach(f, (e) => void seenA.push(e))
    b.forEach(f, (e) => void seenB.push(e))
    expect(seenA.length).toBe(events.length)
    for (let i = 0; i < seenA.length; i++) expect(seenA[i]).not.toBe(seenB[i])
    expect(a.sameLayout && b.sameLayout).toBe(true)
  })

  it('a header that differs in one field kind (another key) gets its own layout: its problem is reported, the others have none', () => {
    const good = new EventDecoder(currentStructures(), currentEnums(), 'good')
    const structures = currentStructures().map((s) => (s.type === 'process/forked' ? { ...s, fields: s.fields.map((x) => (x.name === 'child' ? { ...x, kind: 'bool' as const } : x)) } : s))
    const bad = new EventDecoder(structures, currentEnums(), 'bad')
    expect(bad.structureProblems).toEqual(["event type 'process/forked' in this file has another kind for field 'child'"])
    expect(good.structureProblems).toEqual([])
    expect(new EventDecoder(currentStructures(), currentEnums(), 'good').structureProblems).toEqual([])
    expect(new EventDecoder(structures, currentEnums(), 'bad').structureProblems).toHaveLength(1)
  })

  it('the reader keys a trace file\'s layout by its header bytes: two files of one header read alike', async () => {
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { TraceWriter } = await import('../traceWriter.ts')
    const { collectTrace } = await import('../collectTrace.ts')
    const dir = mkdtempSync(join(tmpdir(), 'mmsim-layouts-'))
    const events = syntheticEvents(300, { seed: 4, maxProcs: 3 })
    for (const name of ['a', 'b']) {
      const w = new TraceWriter(join(dir, `${name}.mmtrace`), { kind: 'synthetic' })
      w.writeAll(name === 'a' ? events : events.slice(100))
      w.close()
    }
    expect((await collectTrace(join(dir, 'a.mmtrace'))).events).toEqual(events)
    expect((await collectTrace(join(dir, 'b.mmtrace'))).events).toEqual(events.slice(100))
  })
})
