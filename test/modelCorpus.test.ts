import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkInvariants } from '@mmsim/core'
import { compareObservations, NotModelled, parseScenario, scenarioHash, simulateScenario, type ObservationDocument } from '@mmsim/kernel'

// The suite's main test: the simulated kernel's observation of every corpus scenario equals the
// observation the live Linux 6.18 kernel produced for it (traces/scenarios/NAME.kernel.json).
// The probes of packages/kernel/src/sim/probes (recorded once on this machine) are checked the same way.
const dirs = [fileURLToPath(new URL('../traces/scenarios/', import.meta.url)), fileURLToPath(new URL('../packages/kernel/src/sim/probes/', import.meta.url))]
const list = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.scenario') && existsSync(join(dir, f.replace(/\.scenario$/, '.kernel.json'))))
    .sort()
    .map((f) => join(dir, f))
const corpus = list(dirs[0]!)
const probes = list(dirs[1]!)

describe.each([
  ['corpus', corpus],
  ['probes', probes],
])('model vs stored live-kernel observations: %s', (_what, files) => {
  it('has scenarios to compare with', () => {
    expect(files.length).toBeGreaterThan(0)
  })
  it.for(files.map((f) => [f.slice(f.lastIndexOf('/') + 1), f] as const))('%s', ([, file], ctx) => {
    const s = parseScenario(readFileSync(file, 'utf8'), file)
    let r
    try {
      r = simulateScenario(s)
    } catch (e) {
      // a refusal (scenario contract v1.1 item 10) is a skip with its reason; no corpus scenario should hit one
      if (e instanceof NotModelled) return ctx.skip(e.message)
      throw e
    }
    expect(r.state.violations.map((v) => v.message)).toEqual([])
    expect(checkInvariants(r.state)).toEqual([])
    const kernel = JSON.parse(readFileSync(file.replace(/\.scenario$/, '.kernel.json'), 'utf8')) as ObservationDocument
    // a stored observation names the scenario text it was recorded from (absent: recorded before the field)
    if (kernel.scenarioHash !== undefined) expect(kernel.scenarioHash, 'stale observation: re-record it').toBe(scenarioHash(s.statements))
    const c = compareObservations(r.observation, kernel)
    const lines = c.differences.slice(0, 20).map((d) => `line ${d.line} ${d.proc} ${d.mapping} +${d.off} ${d.field}: model ${d.model} kernel ${d.kernel}`)
    expect(lines).toEqual([])
  })
})
