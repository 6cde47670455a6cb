import { createHash } from 'node:crypto'
import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { checkInvariants, stateDigest } from '@mmsim/core'
import { parseScenario } from '../scenario/parseScenario.ts'
import { printScenario } from '../scenario/printScenario.ts'
import { randomScenario } from './randomScenario.ts'
import { FatalScenarioError, simulateScenario } from './simulateScenario.ts'

const choices = fc.tuple(
  fc.array(fc.tuple(fc.nat(20), fc.nat(40)), { maxLength: 4 }),
  fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40), fc.nat(40)), { minLength: 1, maxLength: 25 }),
)

const digest = (events: unknown[]): string => createHash('sha256').update(JSON.stringify(events)).digest('hex')

test.prop([choices], { numRuns: 150 })('random valid scenarios: no violations, invariants hold, same scenario -> same trace', ([h, b]) => {
  const text = printScenario(randomScenario(h, b))
  const s = parseScenario(text, 'random.scenario')
  let r1, r2
  try {
    r1 = simulateScenario(s)
    r2 = simulateScenario(parseScenario(text, 'random.scenario'))
  } catch (e) {
    if (e instanceof FatalScenarioError) return
    throw e
  }
  expect(r1.state.violations.map((v) => `${v.type} ${v.cause}: ${v.message}`)).toEqual([])
  expect(checkInvariants(r1.state)).toEqual([])
  expect(digest(r2.events)).toBe(digest(r1.events))
  expect(stateDigest(r2.state)).toBe(stateDigest(r1.state))
  for (const c of r1.observation.checks) {
    for (const maps of Object.values(c.procs)) {
      for (const pages of Object.values(maps)) for (const p of pages) if (p.present) expect(p.mapcount).toBeGreaterThanOrEqual(0)
    }
  }
})
