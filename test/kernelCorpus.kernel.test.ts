// Re-runs every traces/scenarios/NAME.scenario on the live kernel and compares the observation with
// the stored NAME.kernel.json (kernel-behaviour drift). Skips, saying why, without a live kernel.
// Re-record with: pnpm exec tsx tools/kernel-runner/recordCorpus.ts --write
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson, liveKernelTestsProblem, parseScenario, type ObservationDocument } from '@mmsim/kernel'
import { acquireKernelTestLock, releaseKernelTestLock } from '../packages/kernel/src/live/kernelTestLock.ts'
import { InconclusiveRuns } from '../packages/kernel/src/live/inconclusiveRuns.testkit.ts'

const dir = join(import.meta.dirname, '../traces/scenarios')
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario'))
  .map((f) => f.slice(0, -'.scenario'.length))
  .sort()
const problem = liveKernelTestsProblem()
if (problem) console.log(`kernelCorpus.kernel.test: skipped: ${problem}`)

describe('scenario corpus', () => {
  it('has at least 60 scenarios, each with a stored kernel observation', () => {
    expect(names.length).toBeGreaterThanOrEqual(60)
    for (const n of names) expect(existsSync(join(dir, `${n}.kernel.json`)), `${n}.kernel.json`).toBe(true)
  })

  it.each(names)('%s parses', (n) => {
    expect(() => parseScenario(readFileSync(join(dir, `${n}.scenario`), 'utf8'), `${n}.scenario`)).not.toThrow()
  })
})

describe.skipIf(problem !== null)(`live kernel agrees with the stored observations${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => releaseKernelTestLock())
  const inconclusive = new InconclusiveRuns()
  it.for(names)('%s', async (n, ctx) => {
    const parsed = parseScenario(readFileSync(join(dir, `${n}.scenario`), 'utf8'), `${n}.scenario`)
    const stored = JSON.parse(readFileSync(join(dir, `${n}.kernel.json`), 'utf8')) as ObservationDocument
    const live = await inconclusive.observe(n, parsed)
    if (!live) return ctx.skip(inconclusive.reason)
    // equality as defined by docs/observation-format.md §4: refused list and checks (not `detail`, the kernel release)
    expect(live.refused).toEqual(stored.refused)
    expect(live.checks).toEqual(stored.checks)
    expect(canonicalJson({ ...live, detail: stored.detail })).toBe(canonicalJson(stored))
  })
  it('at most a tenth of the corpus went without a valid live observation', () => {
    expect(inconclusive.names.length, `inconclusive: ${inconclusive.names.join(' ')}`).toBeLessThanOrEqual(names.length / 10)
  })
})
