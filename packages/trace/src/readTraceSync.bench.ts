// `pnpm exec vitest bench packages/trace`: the reader's loops on one synthetic trace (decode-only passes and a
// full forEach), each against the others in the same run. Not part of `vitest run`.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastValueFrom, reduce } from 'rxjs'
import { bench, describe } from 'vitest'
import { syntheticEvents } from '@mmsim/testing'
import type { EventDecoder } from './format/eventDecoder.ts'
import { readTraceSync } from './readTraceSync.ts'
import { readTrace, traceItems } from './traceReader.ts'
import { TraceWriter } from './traceWriter.ts'

const file = join(mkdtempSync(join(tmpdir(), 'mmtrace-bench-')), 'bench.mmtrace')
const w = new TraceWriter(file, { kind: 'synthetic' })
w.writeAll(syntheticEvents(Number(process.env.MMSIM_READER_BENCH_EVENTS ?? 1_000_000), { seed: 7, maxProcs: 8 }))
w.close()

describe('decode only (read, CRC, column views)', () => {
  bench('readTraceSync, recycled buffers', () => {
    for (const it of readTraceSync(file, { reuseBuffers: true })) void it
  })
  bench('readTraceSync, fresh buffers', () => {
    for (const it of readTraceSync(file)) void it
  })
  bench('traceItems (async iterator)', async () => {
    for await (const it of traceItems(file)) void it
  })
  bench('readTrace (rxjs)', async () => {
    await lastValueFrom(readTrace(file).pipe(reduce((n) => n + 1, 0)))
  })
})

describe('every event decoded', () => {
  bench('forEach (scratch MmEvent per type)', () => {
    let dec: EventDecoder | null = null
    let n = 0
    for (const it of readTraceSync(file, { reuseBuffers: true })) {
      if (it.kind === 'header') dec = it.decoder
      else if (it.kind === 'frame') dec!.forEach(it.frame, (e) => void (n += e.cause.length))
    }
  })
  bench('widen (integer columns)', () => {
    let dec: EventDecoder | null = null
    let n = 0
    for (const it of readTraceSync(file, { reuseBuffers: true })) {
      if (it.kind === 'header') dec = it.decoder
      else if (it.kind === 'frame') {
        const c = dec!.widen(it.frame)
        const s0 = c.slots[0]!
        for (let i = 0; i < c.count; i++) n += c.codes[i]! + s0[i]!
      }
    }
  })
})
