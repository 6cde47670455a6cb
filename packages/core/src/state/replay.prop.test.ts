import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { syntheticEvents } from '@mmsim/testing'
import { checkInvariants } from '../groundTruth/recount.ts'
import { applyEvents, replayBatched } from './applyEvents.ts'
import { emptyState } from './mmState.ts'
import { stateDigest } from './stateDigest.ts'

const workload = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), n: fc.integer({ min: 1, max: 1500 }), maxProcs: fc.integer({ min: 1, max: 6 }) })

describe('replay of random valid event sequences', () => {
  test.prop([workload], { numRuns: 60 })('valid sequences produce no violations, and invariants hold (brute-force recount)', ({ seed, n, maxProcs }) => {
    const events = syntheticEvents(n, { seed, maxProcs, regionChunks: 1 })
    const s = applyEvents(emptyState(), events)
    expect(s.violations).toEqual([])
    expect(checkInvariants(s)).toEqual([])
  })

  test.prop([workload, fc.integer({ min: 1, max: 700 })], { numRuns: 40 })('replaying in frames of any size equals replaying one event at a time', ({ seed, n, maxProcs }, batch) => {
    const events = syntheticEvents(n, { seed, maxProcs, regionChunks: 1 })
    const one = replayBatched(emptyState(), events, 1)
    const framed = replayBatched(emptyState(), events, batch)
    expect(stateDigest(framed)).toBe(stateDigest(one))
    expect(framed.eventCounts).toEqual(one.eventCounts)
  })

  test.prop([workload, fc.integer({ min: 1, max: 200 })], { numRuns: 25 })('every committed checkpoint stays as it was', ({ seed, n, maxProcs }, batch) => {
    const events = syntheticEvents(n, { seed, maxProcs, regionChunks: 1 })
    const checkpoints: { state: ReturnType<typeof emptyState>; digest: string }[] = []
    let s = emptyState()
    for (let i = 0; i < events.length; i += batch) {
      s = applyEvents(s, events.slice(i, i + batch))
      checkpoints.push({ state: s, digest: stateDigest(s) })
    }
    for (const c of checkpoints) expect(stateDigest(c.state)).toBe(c.digest)
  })
})
