import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { truthDigest, type MmEvent } from '@mmsim/core'
import { STRATEGIES, type AnyStrategy } from '@mmsim/strategies'
import { mixedEvents, syntheticEvents } from '@mmsim/testing'
import { TraceWriter } from '@mmsim/trace'
import { replayTraceWithStrategies, type StrategyReplayResult } from './strategyReplay.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-strategy-replay-'))
let n = 0

function traceOf(events: readonly MmEvent[], frameEvents: number): string {
  const file = join(dir, `t${n++}.mmtrace`)
  const w = new TraceWriter(file, { kind: 'synthetic' }, frameEvents)
  w.writeAll(events)
  w.close()
  return file
}

/** everything a scheme shows at the end: its answers on every folio the events allocated (first 64 pages), costs, reports, notices */
function observed(r: StrategyReplayResult, events: readonly MmEvent[]): unknown[] {
  const heads = new Map<number, number>()
  for (const e of events) if (e.type === 'folio/allocated' || e.type === 'hugetlb/poolGrown') heads.set(e.folio, e.order)
  return r.strategies.map((o) => {
    const st: AnyStrategy = o.strategy
    const s = o.state
    const answers: unknown[] = []
    for (const [k, order] of heads) {
      answers.push(k, st.folioMapcount(s, k), st.entireMapcount(s, k), st.nrPagesMapped(s, k), st.mappedShared(s, k), st.partiallyMapped(s, k))
      for (let i = 0; i < Math.min(2 ** order, 64); i++) answers.push(st.pageMapcount(s, k + i), st.kpagecount(s, k + i), st.anonExclusive(s, k + i), st.pagemapExclusive(s, k + i, 'pte'))
    }
    return { id: o.id, costs: [...o.costs], free: o.freeViolations, notices: st.notices?.(s) ?? [], hvo: st.hvoWrites?.(s) ?? 0, answers }
  })
}

/** drop every 97th event: later events then break ground-truth preconditions (not handed to the schemes) */
const broken = (events: MmEvent[]): MmEvent[] => events.filter((_, i) => i % 97 !== 41)

const STREAMS: { name: string; events: () => MmEvent[] }[] = [
  ...[1, 2].map((seed) => ({ name: `anon seed ${seed}`, events: () => syntheticEvents(3000, { seed, maxProcs: 4, regionChunks: 2 }) })),
  ...[1, 2].map((seed) => ({ name: `mixed seed ${seed}`, events: () => mixedEvents(3000, { seed }) })),
  { name: 'anon seed 3, events dropped', events: () => broken(syntheticEvents(3000, { seed: 3, maxProcs: 4, regionChunks: 2 })) },
  { name: 'mixed seed 3, events dropped', events: () => broken(mixedEvents(3000, { seed: 3 })) },
]

describe('replayTraceWithStrategies: the column path (no event object) against the event path', () => {
  // differential: the event path (forced by an onEvent callback) is the reference; expected = identical
  for (const s of STREAMS) {
    test(`${s.name}: same truth, same answers, costs, reports and notices for every built-in scheme`, async () => {
      const events = s.events()
      for (const frameEvents of [7, 1000]) {
        const file = traceOf(events, frameEvents)
        let seen = 0
        const slow = await replayTraceWithStrategies(file, { strategies: STRATEGIES, onEvent: () => void seen++ })
        const fast = await replayTraceWithStrategies(file, { strategies: STRATEGIES })
        expect(seen).toBeGreaterThan(0)
        expect(fast.events).toBe(slow.events)
        expect(truthDigest(fast.state!)).toBe(truthDigest(slow.state!))
        expect(fast.state!.violationCount).toBe(slow.state!.violationCount)
        if (s.name.includes('dropped')) expect(fast.state!.violationCount).toBeGreaterThan(0)
        expect(observed(fast, events)).toEqual(observed(slow, events))
      }
    }, 120_000)
  }

  test('stopOnViolation stops both paths after the same event', async () => {
    const events = broken(syntheticEvents(3000, { seed: 4, maxProcs: 4, regionChunks: 2 }))
    const file = traceOf(events, 50)
    const slow = await replayTraceWithStrategies(file, { strategies: STRATEGIES, stopOnViolation: true, onEvent: () => {} })
    const fast = await replayTraceWithStrategies(file, { strategies: STRATEGIES, stopOnViolation: true })
    expect(slow.stoppedAtViolation).toBe(true)
    expect(fast.stoppedAtViolation).toBe(true)
    expect(fast.events).toBe(slow.events)
    expect(fast.events).toBeLessThan(events.length)
    expect(observed(fast, events)).toEqual(observed(slow, events))
  }, 120_000)
})
