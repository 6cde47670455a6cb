import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { applyEvents, checkInvariants, emptyState } from '@mmsim/core'
import { mixedEvents } from './mixedWorkload.ts'

test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30 })('the mixed workload emits only valid events', (seed) => {
  const s = applyEvents(emptyState(), mixedEvents(600, { seed }))
  expect(s.violations.map((v) => `#${v.index} ${v.type}: ${v.message}`)).toEqual([])
  expect(checkInvariants(s)).toEqual([])
})
