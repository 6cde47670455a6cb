import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { loadPlugin, loadStrategies } from '@mmsim/strategies'
import { jsonlEvents, TraceWriter } from '@mmsim/trace'
import { busiestFolios, TopCounter } from './busiestFolios.ts'
import { exportPerfetto } from './perfettoExport.ts'
import { TraceEventWriter } from './traceEventWriter.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-perfetto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const corpus = (name: string): string => fileURLToPath(new URL(`../../../traces/scenarios/${name}.scenario`, import.meta.url))

/** traceOf - corpus scenario @name run on the simulated kernel into a .mmtrace. */
function traceOf(name: string): string {
  const file = corpus(name)
  const r = simulateScenario(parseScenario(readFileSync(file, 'utf8'), file))
  const path = join(dir, `${name}.mmtrace`)
  const w = new TraceWriter(path, { kind: 'scenario', name })
  w.writeAll(r.events)
  w.close()
  return path
}

interface TraceEvent {
  ph: string
  pid: number
  tid: number
  ts?: number
  name: string
  s?: string
  args: Record<string, unknown>
}
const read = (p: string): { otherData: Record<string, unknown>; traceEvents: TraceEvent[] } => JSON.parse(readFileSync(p, 'utf8'))
const broken = async () => (await loadPlugin(fileURLToPath(new URL('../../strategies/examples/brokenPmdSplit.js', import.meta.url))))[0]!
// cow-pte-mapped-thp: the 2M THP written by p0 is the folio at this PFN in the simulated kernel
const THP = 0x100400

describe('exportPerfetto', () => {
  test('one counter track per scheme and for the truth on a selected folio, values as worked out by hand', async () => {
    const trace = traceOf('cow-pte-mapped-thp')
    const out = join(dir, 'a.json')
    const sum = exportPerfetto(trace, out, { strategies: [...(await loadStrategies('linux-6.12')), await broken()], folios: [THP] })
    const doc = read(out)
    expect(doc.otherData['timeAxis']).toMatch(/event index/)
    expect(new Set(doc.traceEvents.map((e) => e.ph))).toEqual(new Set(['M', 'C', 'i']))
    const series = (name: string) => doc.traceEvents.filter((e) => e.ph === 'C' && e.pid === 1 && e.name === name).map((e) => e.args['folio_mapcount'])
    // by hand: allocated 0; PMD-mapped 1; mprotect of page 1 splits the PMD into 512 PTEs; fork copies the
    // three VMAs the mprotects left (page 0, page 1, pages 2..511): 513, 514, 1024; p1's write of page 0 COWs
    // it away from this folio: 1023
    expect(series('truth')).toEqual([0, 1, 512, 513, 514, 1024, 1023])
    expect(series('linux-6.12')).toEqual([0, 1, 512, 513, 514, 1024, 1023])
    // the planted bug keeps the PMD's count at the split: one more from there on
    expect(series('broken-pmd-split')).toEqual([0, 1, 513, 514, 515, 1025, 1024])
    const inst = doc.traceEvents.filter((e) => e.ph === 'i' && e.pid === 1)
    expect(inst).toHaveLength(1)
    expect(inst[0]).toMatchObject({ s: 't', tid: 2, name: 'broken-pmd-split: folio_mapcount 513, truth 512', args: { type: 'pmd/remapped', answer: 513, truth: 512 } })
    expect(inst[0]!.args['cause']).toMatch(/cow-pte-mapped-thp\.scenario:6$/)
    expect(sum.divergences).toBe(1)
    // the process and thread names as metadata
    expect(doc.traceEvents).toContainEqual({ ph: 'M', pid: 1, tid: 0, name: 'process_name', args: { name: 'folio 0x100400' } })
    expect(doc.traceEvents).toContainEqual({ ph: 'M', pid: 1, tid: 2, name: 'thread_name', args: { name: 'broken-pmd-split vs truth' } })
    // the two checks (lines 8 and 11) as global instants
    expect(doc.traceEvents.filter((e) => e.ph === 'i' && e.s === 'g').map((e) => e.name)).toEqual(['check (line 8)', 'check (line 11)'])
    // counter samples are the value after the event at ts: the THP's PMD map is event 6 (mmsim inspect --at 6)
    expect(doc.traceEvents.find((e) => e.ph === 'C' && e.name === 'truth' && e.args['folio_mapcount'] === 1)!.ts).toBe(6)
  })

  test('without --folio the busiest folios get tracks; a named folio no event touches gets only its names', async () => {
    const trace = traceOf('cow-pte-mapped-thp')
    expect(busiestFolios(trace, 1)).toEqual([THP])
    const out = join(dir, 'b.json')
    const sum = exportPerfetto(trace, out, { strategies: await loadStrategies('linux-6.12'), folios: [0x5000] })
    const doc = read(out)
    expect(sum.samples).toBe(0)
    expect(doc.traceEvents.filter((e) => e.pid === 1).map((e) => e.ph)).toEqual(['M', 'M', 'M'])
  })

  test('a ground-truth violation is a global instant at its event, and the schemes do not see that event', async () => {
    // the hand-written fork-cow-pmd-thp trace with one more event: freeing the THP (folio 4096) while p0's PMD still maps it
    const src = fileURLToPath(new URL('../../../traces/fork-cow-pmd-thp.jsonl', import.meta.url))
    const lines = readFileSync(src, 'utf8').trimEnd().split('\n')
    const jsonl = join(dir, 'violation.jsonl')
    writeFileSync(jsonl, [...lines, JSON.stringify({ type: 'folio/freed', folio: 4096, cause: 'hand:1' })].join('\n') + '\n')
    const events = []
    for await (const e of jsonlEvents(jsonl)) events.push(e)
    const trace = join(dir, 'violation.mmtrace')
    const tw = new TraceWriter(trace, { kind: 'jsonl', name: jsonl })
    tw.writeAll(events)
    tw.close()
    const out = join(dir, 'v.json')
    const sum = exportPerfetto(trace, out, { strategies: await loadStrategies('linux-6.12'), folios: [4096] })
    expect(sum.violations).toBe(1)
    const v = read(out).traceEvents.filter((e) => e.ph === 'i' && e.name.startsWith('violation'))
    // the 22 events of the file are 0..21: the appended one is event 22
    expect(v).toEqual([expect.objectContaining({ s: 'g', pid: 0, ts: 22, args: expect.objectContaining({ type: 'folio/freed', cause: 'hand:1' }) })])
    // the refused free changes nothing: no counter sample at it
    expect(read(out).traceEvents.filter((e) => e.ph === 'C' && e.ts === 22)).toEqual([])
  })

  test('TopCounter keeps a key that makes up more than 1/(capacity+1) of the stream', () => {
    const c = new TopCounter(4)
    // 7 is 40 of 100 occurrences among 61 distinct keys
    for (let i = 0; i < 60; i++) {
      c.add(1000 + i)
      if (i % 3 !== 2) c.add(7)
    }
    expect(c.top(1)).toEqual([7])
  })

  test('the writer flushes as it goes (the file grows before close) and closes a valid document', () => {
    const out = join(dir, 'w.json')
    const w = new TraceEventWriter(out, {})
    for (let i = 0; i < 40_000; i++) w.counter(1, i, 'truth', 'folio_mapcount', i)
    expect(statSync(out).size).toBeGreaterThan(1 << 20)
    w.close()
    expect(read(out).traceEvents).toHaveLength(40_000)
  })
})
