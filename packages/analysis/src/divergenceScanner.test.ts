import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { MmEvent, Pfn } from '@mmsim/core'
import { simulateScenario, type ObservationDocument } from '@mmsim/kernel'
import { LINUX_615, PageMapcountScheme, strategyById, type AnyStrategy, type FolioState } from '@mmsim/strategies'
import { mixedEvents, syntheticEvents } from '@mmsim/testing'
import { TraceWriter } from '@mmsim/trace'
import { QUERY_NAMES, type QueryName } from './answerSides.ts'
import { bisectEvents, bisectTrace, scanTrace } from './bisectAnswers.ts'
import { corpusFile, corpusScenario } from './corpusScenario.testkit.ts'
import { DivergenceScanner, type ScanOptions, type Versus } from './divergenceScanner.ts'
import { buildKernelSidecar } from './kernelSidecar.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-scanner-'))
let n = 0

function traceOf(events: readonly MmEvent[], frameEvents: number): string {
  const file = join(dir, `t${n++}.mmtrace`)
  const w = new TraceWriter(file, { kind: 'synthetic' }, frameEvents)
  w.writeAll(events)
  w.close()
  return file
}

/** linux-6.15 whose folio_mapcount() of every folio of order @order reads one too high (from its allocation on) */
class OffByOne extends PageMapcountScheme {
  constructor(private readonly order: number) {
    super({ ...LINUX_615, id: `off-by-one-order-${order}` })
  }
  protected override folioMapcountOf(f: FolioState): number {
    return super.folioMapcountOf(f) + (f.order === this.order ? 1 : 0)
  }
}

/**
 * raw - @st with its nine query methods wrapped (the same answers): the scanner then asks them one at a time
 * (no SchemeBase.answersInto batch), as it did before the batches; its events still come from the columns
 */
function raw(st: AnyStrategy): AnyStrategy {
  const props: PropertyDescriptorMap = { id: { value: st.id } }
  for (const q of QUERY_NAMES) props[q] = { value: (...args: unknown[]) => (st[q] as (...a: unknown[]) => unknown).apply(st, args) }
  return Object.create(st, props) as AnyStrategy
}

/** the reference: every event as an object through step (the event path) */
class EventPathScanner extends DivergenceScanner {
  override readonly columnsOk = false
}

const EXACT: readonly QueryName[] = ['folioMapcount', 'entireMapcount', 'pageMapcount', 'kpagecount', 'anonExclusive']
const linux61 = strategyById('linux-6.1')!
const linux615 = strategyById('linux-6.15')!
const noPageMapcount = strategyById('linux-6.15-no-page-mapcount')!

/** an order no folio/allocated of @events has (the off-by-one scheme then agrees with linux-6.15 on them) */
function unusedOrder(events: readonly MmEvent[]): number {
  const used = new Set(events.flatMap((e) => (e.type === 'folio/allocated' ? [e.order] : [])))
  const o = [3, 5, 6, 7, 8, 2, 1].find((k) => !used.has(k))
  expect(o).toBeDefined()
  return o!
}

/** a fresh folio of @order at a PFN above every PFN the events use: touching it is the divergence of OffByOne(@order) */
function lonelyAlloc(events: readonly MmEvent[], order: number): MmEvent {
  let top = 0
  for (const e of events) if ('folio' in e && typeof e.folio === 'number') top = Math.max(top, e.folio)
  const pfn = (Math.floor(top / 4096) + 8) * 4096
  return { type: 'folio/allocated', folio: pfn as Pfn, order, kind: 'anon', file: 0, index: 0, cause: 'test: the lonely folio' }
}

interface Case {
  name: string
  events: MmEvent[]
  a: AnyStrategy
  versus: Versus
  queries?: readonly QueryName[]
  /** index of the first divergence, when the case knows it (null: none) */
  want?: number | null
}

function cases(): Case[] {
  const out: Case[] = []
  for (const seed of [1, 2]) {
    const base = seed === 1 ? syntheticEvents(3000, { seed, maxProcs: 4, regionChunks: 2 }) : mixedEvents(3000, { seed })
    const order = unusedOrder(base)
    const bad = new OffByOne(order)
    const alloc = lonelyAlloc(base, order)
    out.push(
      { name: `seed ${seed}: linux-6.15 vs truth on the exact queries (none)`, events: base, a: linux615, versus: { truth: true }, queries: EXACT, want: null },
      { name: `seed ${seed}: off-by-one vs linux-6.15, no such folio (none)`, events: base, a: bad, versus: { b: linux615 }, want: null },
      { name: `seed ${seed}: off-by-one vs truth at the first event`, events: [alloc, ...base], a: bad, versus: { truth: true }, want: 0 },
      { name: `seed ${seed}: off-by-one vs linux-6.15 at the last event`, events: [...base, alloc], a: bad, versus: { b: linux615 }, want: base.length },
      { name: `seed ${seed}: linux-6.1 vs linux-6.15`, events: base, a: linux61, versus: { b: linux615 } },
      { name: `seed ${seed}: no-page-mapcount vs truth`, events: base, a: noPageMapcount, versus: { truth: true } },
      { name: `seed ${seed}: no-page-mapcount vs truth, events dropped`, events: base.filter((_, i) => i % 97 !== 41), a: noPageMapcount, versus: { truth: true } },
    )
  }
  return out
}

/** what a scan found: everything diff and bisect report from it */
function found(s: DivergenceScanner): unknown {
  return { first: s.first, events: s.events, skipped: s.skipped, counts: [...s.counts], firstByQuery: [...s.firstByQuery], sampled: [...s.sampled] }
}

describe('DivergenceScanner: the column path (no event object, batched answers) against the event path', () => {
  // differential: the reference takes every event as an object and asks every answer one at a time
  for (const c of cases()) {
    test(c.name, async () => {
      for (const frameEvents of [7, 1000]) {
        const file = traceOf(c.events, frameEvents)
        for (const all of [false, true]) {
          const opts: ScanOptions = { a: c.a, versus: c.versus, queries: c.queries }
          const rawOpts: ScanOptions = { a: raw(c.a), versus: 'b' in c.versus ? { b: raw(c.versus.b) } : c.versus, queries: c.queries }
          const fast = new DivergenceScanner(opts)
          const slow = new EventPathScanner(rawOpts)
          const mixed = new DivergenceScanner(rawOpts)
          expect(fast.columnsOk && mixed.columnsOk && !slow.columnsOk).toBe(true)
          await scanTrace(file, fast, all)
          await scanTrace(file, slow, all)
          await scanTrace(file, mixed, all)
          expect(found(fast)).toEqual(found(slow))
          expect(found(mixed)).toEqual(found(slow))
          if (c.want !== undefined) expect(fast.first?.index ?? null).toBe(c.want)
        }
        // bisect end to end: the trace (column path) and the same events in memory (event path)
        const t = await bisectTrace(file, { a: c.a, versus: c.versus, queries: c.queries })
        const m = bisectEvents(c.events, { a: c.a, versus: c.versus, queries: c.queries })
        expect({ d: t.divergence, events: t.events, skipped: t.skipped, labels: t.labels }).toEqual({ d: m.divergence, events: m.events, skipped: m.skipped, labels: m.labels })
        if (c.want !== undefined) expect(t.divergence?.index ?? null).toBe(c.want)
        if (c.want === 0 || c.want === c.events.length - 1) expect(t.divergence).toMatchObject({ query: 'folioMapcount', a: 1, b: 0, page: null, event: { type: 'folio/allocated', cause: 'test: the lonely folio' } })
      }
    }, 120_000)
  }

  test('--kernel: the check markers are compared on the column path as on the event path', () => {
    const s = corpusScenario('cow-pte-mapped-thp')
    const doc = JSON.parse(readFileSync(corpusFile('cow-pte-mapped-thp.kernel.json'), 'utf8')) as ObservationDocument
    const kernel = buildKernelSidecar(s, doc)
    const { events } = simulateScenario(s)
    const file = traceOf(events, 5)
    return Promise.all([linux615, noPageMapcount].map(async (a) => {
      const t = await bisectTrace(file, { a, versus: { kernel }, queries: ['kpagecount', 'pageMapcount'] })
      const m = bisectEvents(events, { a, versus: { kernel }, queries: ['kpagecount', 'pageMapcount'] })
      expect({ d: t.divergence, events: t.events }).toEqual({ d: m.divergence, events: m.events })
    }))
  })
})
