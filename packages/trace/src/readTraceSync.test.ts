import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from '@mmsim/core'
import { syntheticEvents } from '@mmsim/testing'
import type { EventDecoder } from './format/eventDecoder.ts'
import { readTraceSync, type SyncReadOptions, type TraceItem } from './readTraceSync.ts'
import { readTrace, traceItems } from './traceReader.ts'
import { TraceWriter } from './traceWriter.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmtrace-sync-'))
let n = 0
const tmp = (): string => join(dir, `t${n++}.mmtrace`)

function write(events: readonly MmEvent[], frameEvents: number): string {
  const f = tmp()
  const w = new TraceWriter(f, { kind: 'synthetic' }, frameEvents)
  w.writeAll(events)
  w.close()
  return f
}

/** every item of @file, frames decoded right away (so reuseBuffers is allowed), as plain data */
function items(file: string, opts: SyncReadOptions = {}): unknown[] {
  const out: unknown[] = []
  let dec: EventDecoder | null = null
  for (const it of readTraceSync(file, opts)) {
    if (it.kind === 'header') {
      dec = it.decoder
      out.push({ kind: 'header', index: it.index, fileSize: it.fileSize })
    } else if (it.kind === 'frame') {
      const { frame, ...rest } = it
      out.push({ ...rest, events: dec!.toEvents(frame) })
    } else out.push(it)
  }
  return out
}

const events = syntheticEvents(6000, { seed: 11, maxProcs: 6 })
const good = write(events, 700)
const bytes = readFileSync(good)

// chunk sizes below a frame (every frame straddles or gets a chunk of its own), around it, and the default
const layouts: SyncReadOptions[] = [
  { chunkBytes: 64 }, { chunkBytes: 1000 }, { chunkBytes: 20_000 }, { chunkBytes: 20_000, reuseBuffers: true }, { chunkBytes: 64, reuseBuffers: true }, { reuseBuffers: true },
]

describe('readTraceSync', () => {
  it('yields the header, every frame in order and a complete end, whatever the chunk size', () => {
    const want = items(good)
    const frames = want.filter((x) => (x as TraceItem).kind === 'frame') as { events: MmEvent[]; firstEvent: number }[]
    expect(frames.flatMap((f) => f.events)).toEqual(events)
    expect(frames.map((f) => f.firstEvent)).toEqual(frames.map((_, k) => k * 700))
    expect(want.at(-1)).toEqual({ kind: 'end', frames: Math.ceil(events.length / 700), events: events.length, complete: true, bytesRead: bytes.readDoubleLE(bytes.length - 16) })
    for (const o of layouts) expect(items(good, o)).toEqual(want)
  })

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), fc.boolean()], { numRuns: 40 })(
    'reports the same damage, offsets and salvaged frames with every chunk size, for a flipped byte or a cut anywhere',
    (where, mask, cut, salvage) => {
      const at = where % bytes.length
      const b = cut ? bytes.subarray(0, at) : Buffer.from(bytes)
      if (!cut) b[at]! ^= mask
      const f = tmp()
      writeFileSync(f, b)
      let want: unknown[]
      try {
        want = items(f, { salvage })
      } catch (e) {
        // a damaged header is fatal, and fatal the same way for every layout
        for (const o of layouts) expect(() => items(f, { ...o, salvage })).toThrow((e as Error).message)
        return
      }
      for (const o of layouts) expect(items(f, { ...o, salvage })).toEqual(want)
    },
  )

  it('frames stay readable after later frames were read (default buffers)', () => {
    const kept: TraceItem[] = [...readTraceSync(good, { chunkBytes: 30_000 })]
    const dec = (kept[0] as Extract<TraceItem, { kind: 'header' }>).decoder
    const got = kept.flatMap((it) => (it.kind === 'frame' ? dec.toEvents(it.frame) : []))
    expect(got).toEqual(events)
  })

  it('decodes float64 columns (values above 2^32) exactly in frames at every alignment', () => {
    const big: MmEvent[] = Array.from({ length: 40 }, (_, i) => ({
      type: 'vma/mapped', pid: i, vpn: 2 ** 44 + i, nrPages: 1, kind: 'file', shared: false, writable: true, file: 3, pgoff: 2 ** 33 + i, cause: `c${i % 3}`,
    }))
    // frames of 1..7 events: payload lengths vary, so frames land on both 0 and 4 mod 8 inside a chunk
    for (const fe of [1, 2, 3, 5, 7]) {
      const f = write(big, fe)
      for (const o of [{}, { reuseBuffers: true }, { chunkBytes: 256 }]) {
        const got = items(f, o).flatMap((x) => ((x as TraceItem).kind === 'frame' ? (x as { events: MmEvent[] }).events : []))
        expect(got).toEqual(big)
      }
    }
  })

  it('files of one header each get their own, equal header object: changing one does not reach the next read', () => {
    const header = (f: string): Record<string, unknown> => {
      const it = readTraceSync(f).next().value
      if (it?.kind !== 'header') throw new Error('no header')
      return it.header as unknown as Record<string, unknown>
    }
    const a = header(good)
    const b = header(good)
    expect(b).toEqual(a)
    expect(b).not.toBe(a)
    expect(b.structures).not.toBe(a.structures)
    ;(a.source as Record<string, unknown>).name = 'changed'
    ;(a.structures as unknown[]).length = 0
    const c = header(good)
    expect(c).toEqual(b)
    expect(c.structures).not.toHaveLength(0)
  })

  it('a small file and one read chunk by chunk give the same items', () => {
    const f = write(syntheticEvents(3000, { seed: 12, maxProcs: 3 }), 97)
    const whole = items(f)
    expect(items(f, { chunkBytes: 4096 })).toEqual(whole)
    expect(items(f, { chunkBytes: 4096, reuseBuffers: true, salvage: true })).toEqual(items(f, { reuseBuffers: true, salvage: true }))
    const bytes = readFileSync(f)
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x55
    const damaged = tmp()
    writeFileSync(damaged, bytes)
    const salvaged = items(damaged, { salvage: true })
    expect(salvaged.some((x) => (x as { kind: string }).kind === 'damage')).toBe(true)
    expect(items(damaged, { salvage: true, chunkBytes: 4096 })).toEqual(salvaged)
  })

  it('a file that cannot be opened is a TraceOpenError naming it, thrown when reading starts', () => {
    const f = join(dir, 'missing.mmtrace')
    const it = readTraceSync(f)
    expect(() => it.next()).toThrow(expect.objectContaining({ name: 'TraceOpenError', userMessage: `${f}: cannot open (ENOENT)` }))
  })
})

describe('traceItems and readTrace over the synchronous reader', () => {
  it('give the same items as readTraceSync', async () => {
    const sync = [...readTraceSync(good)].map((x) => x.kind)
    const asyncKinds: string[] = []
    for await (const x of traceItems(good)) asyncKinds.push(x.kind)
    const rx = (await lastValueFrom(readTrace(good).pipe(toArray()))).map((x) => x.kind)
    expect(asyncKinds).toEqual(sync)
    expect(rx).toEqual(sync)
  })

  it('readTrace stops reading when unsubscribed, and reports a header error as the stream error', async () => {
    const first = await lastValueFrom(readTrace(good).pipe(take(3), toArray()))
    expect(first.map((x) => x.kind)).toEqual(['header', 'frame', 'frame'])
    const f = tmp()
    writeFileSync(f, 'not a trace at all')
    await expect(firstValueFrom(readTrace(f))).rejects.toMatchObject({ name: 'NotATraceError' })
  })
})
