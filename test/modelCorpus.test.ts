import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkInvariants } from '@mmsim/core'
import { compareObservations, parseScenario, simulateScenario, type ObservationDocument } from '@mmsim/kernel'

// The suite's main test: the simulated kernel's observation of every corpus scenario equals the
// observation the live Linux 6.18 kernel produced for it (traces/scenarios/NAME.kernel.json).
const dir = fileURLToPath(new URL('../traces/scenarios/', import.meta.url))
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario') && existsSync(join(dir, f.replace(/\.scenario$/, '.kernel.json'))))
  .sort()

describe('model vs stored live-kernel observations', () => {
  it('has a corpus to compare with', () => {
    expect(names.length).toBeGreaterThan(0)
  })
  it.each(names)('%s', (f) => {
    const file = join(dir, f)
    const s = parseScenario(readFileSync(file, 'utf8'), file)
    const r = simulateScenario(s)
    expect(r.state.violations.map((v) => v.message)).toEqual([])
    expect(checkInvariants(r.state)).toEqual([])
    const kernel = JSON.parse(readFileSync(file.replace(/\.scenario$/, '.kernel.json'), 'utf8')) as ObservationDocument
    const c = compareObservations(r.observation, kernel)
    const lines = c.differences.slice(0, 20).map((d) => `line ${d.line} ${d.proc} ${d.mapping} +${d.off} ${d.field}: model ${d.model} kernel ${d.kernel}`)
    expect(lines).toEqual([])
  })
})
