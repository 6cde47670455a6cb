import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { emptyState, replayBatched, stateDigest, truthDigest, type TruthCheckpoint } from '@mmsim/core'
import { syntheticEvents } from '@mmsim/testing'
import { TraceWriter } from '@mmsim/trace'
import { replayTrace } from './replayTrace.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-replay-'))
let n = 0

describe('replayTrace', () => {
  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2500 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 4 })], { numRuns: 20 })(
    'the flat replay, with and without checkpoints, reaches the state of the reference reducers applied event at a time; checkpoints stay as they were',
    async (seed, count, frameEvents, every) => {
      const events = syntheticEvents(count, { seed, maxProcs: 4, regionChunks: 1 })
      const file = join(dir, `t${n++}.mmtrace`)
      const w = new TraceWriter(file, { kind: 'synthetic' }, frameEvents)
      w.writeAll(events)
      w.close()
      const want = stateDigest(replayBatched(emptyState(), events, 1))
      const inPlace = await replayTrace(file)
      expect(truthDigest(inPlace.state!)).toBe(want)
      const checkpoints: { state: TruthCheckpoint; at: number; digest: string }[] = []
      const kept = await replayTrace(file, {
        checkpointEvery: every,
        onCheckpoint: (state, at) => checkpoints.push({ state, at, digest: truthDigest(state) }),
      })
      expect(truthDigest(kept.state!)).toBe(want)
      for (const c of checkpoints) {
        expect(truthDigest(c.state)).toBe(c.digest) // untouched by the frames replayed after it
        expect(c.digest).toBe(stateDigest(replayBatched(emptyState(), events.slice(0, c.at), 1)))
      }
    },
    // the reference reducers are slow: 20 runs take ~20 s alone and several times that on a loaded machine
    300_000,
  )
})
