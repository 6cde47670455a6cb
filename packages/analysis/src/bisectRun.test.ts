import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmEvent, type MmEvent } from '@mmsim/core'
import { collectTrace, TraceWriter } from '@mmsim/trace'
import { BisectAbortError, BisectBogusStatusError, bisectRun, verdictOf } from './bisectRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-bisectrun-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** a trace of @n events over several frames: p0 maps one anon page per event pair (allocate, add) */
function trace(n: number): string {
  const file = join(dir, `t${n}.mmtrace`)
  const w = new TraceWriter(file, { kind: 'synthetic' }, 16)
  const events: MmEvent[] = [mmEvent('process/created', { pid: 0 }), mmEvent('vma/mapped', { pid: 0, vpn: 0x1000, nrPages: 4096, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0 })]
  for (let i = 0; events.length < n; i++) {
    events.push(mmEvent('folio/allocated', { folio: 0x1000 + i, order: 0, kind: 'anon', file: 0, index: 0 }))
    events.push(mmEvent('rmap/newAnonAdded', { pid: 0, vpn: 0x1000 + i, folio: 0x1000 + i, page: 0x1000 + i, nrPages: 1, level: 'pte' }))
  }
  w.writeAll(events.slice(0, n))
  w.close()
  return file
}

describe('bisectRun', () => {
  test('verdicts follow git bisect run: 0 good, 125 skip, 1-127 bad, >= 128 and signals abort', () => {
    expect([0, 1, 124, 125, 126, 127, 128, 255, null].map(verdictOf)).toEqual(['good', 'bad', 'bad', 'skip', 'bad', 'bad', null, null, null])
  })

  test('finds the first event at which the test turns bad, in about log2(n) steps, handing each prefix as a trace', async () => {
    const file = trace(300)
    const seen: number[] = []
    // bad once page 0x1000 + 100 is mapped: event 2 + 2 * 100 + 1 = 203 adds it
    const r = await bisectRun(file, {
      prefixFile: join(dir, 'prefix.mmtrace'),
      test: async (p, k) => {
        const c = await collectTrace(p)
        expect(c.events.length).toBe(k)
        seen.push(k)
        return c.events.some((e) => e.type === 'rmap/newAnonAdded' && e.page === 0x1000 + 100) ? 1 : 0
      },
    })
    expect(r.firstBad).toBe(204)
    expect(r.event).toMatchObject({ type: 'rmap/newAnonAdded', page: 0x1000 + 100 })
    expect(seen[0]).toBe(300)
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(Math.log2(300)) + 2)
    // each step reports the ground truth of its prefix: the digests of distinct prefixes differ
    expect(new Set(r.steps.map((s) => s.digest)).size).toBe(r.steps.length)
  })

  test('skipped prefixes are stepped around; only skips left are reported', async () => {
    const file = trace(64)
    const r = await bisectRun(file, { prefixFile: join(dir, 'p2.mmtrace'), test: (_p, k) => (k >= 40 && k < 50 ? 125 : k >= 45 ? 1 : 0) })
    // 40..49 all skip: the first bad prefix is known only to lie in 40..50
    expect(r.firstBad).toBe(50)
    expect(r.onlySkippedLeft).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49])
  })

  test('a whole trace that tests good has nothing to bisect; status >= 128 aborts', async () => {
    const file = trace(40)
    expect((await bisectRun(file, { prefixFile: join(dir, 'p3.mmtrace'), test: () => 0 })).firstBad).toBeNull()
    await expect(bisectRun(file, { prefixFile: join(dir, 'p4.mmtrace'), test: () => 130 })).rejects.toBeInstanceOf(BisectAbortError)
  })

  test('git\'s first-run rule: 126/127 on the whole trace and on the empty prefix is a bogus status (abort); different on the empty prefix, it is bad', async () => {
    const file = trace(64)
    const notFound: number[] = []
    await expect(bisectRun(file, { prefixFile: join(dir, 'p5.mmtrace'), test: (_p, k) => (notFound.push(k), 127) })).rejects.toBeInstanceOf(BisectBogusStatusError)
    expect(notFound).toEqual([64, 0])
    const r = await bisectRun(file, { prefixFile: join(dir, 'p6.mmtrace'), test: (_p, k) => (k >= 30 ? 126 : 0) })
    expect(r.firstBad).toBe(30)
  })
})
