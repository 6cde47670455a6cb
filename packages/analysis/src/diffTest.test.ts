import { describe, expect, it } from 'vitest'
import { LiveKernelError, NoValidObservation, simulateScenario, type ObservationDocument, type ParsedScenario } from '@mmsim/kernel'
import { diffTestSeed } from './diffTest.ts'

/** the model's own observation: a kernel stub that always agrees */
const agreeing = async (s: ParsedScenario): Promise<ObservationDocument> => simulateScenario(s).observation

/** a kernel stub that reports one more mapping of the first present page of every check than the model */
const doctored = async (s: ParsedScenario): Promise<ObservationDocument> => {
  const doc = structuredClone(simulateScenario(s).observation)
  for (const c of doc.checks)
    for (const maps of Object.values(c.procs))
      for (const pages of Object.values(maps)) {
        const p = pages.find((x) => x.present)
        if (p?.present) {
          p.mapcount++
          return doc
        }
      }
  return doc
}

describe('diffTestSeed', () => {
  it('agree: the kernel stub answers what the model answers', async () => {
    const c = await diffTestSeed(3, { observe: agreeing })
    expect(c).toMatchObject({ seed: 3, name: 'difftest-3', verdict: 'agree', reason: null, differences: [], shrunk: null })
    expect(c.hash).toMatch(/^[0-9a-f]{8}$/)
  })

  it('mix wide: the seed names differentialScenarioWide(seed), and the base mix is unchanged', async () => {
    const w = await diffTestSeed(3, { observe: agreeing, mix: 'wide' })
    expect(w).toMatchObject({ seed: 3, name: 'difftest-wide-3', verdict: 'agree' })
    const b = await diffTestSeed(3, { observe: agreeing, mix: 'base' })
    expect(b.scenario).toBe((await diffTestSeed(3, { observe: agreeing })).scenario)
    expect(w.scenario).not.toBe(b.scenario)
  })

  it('differ: reports the mapcount difference and shrinks to mmap + touch + check', async () => {
    const c = await diffTestSeed(3, { observe: doctored, shrink: true })
    expect(c.verdict).toBe('differ')
    expect(c.differences[0]!.field).toBe('mapcount')
    expect(c.reason).toMatch(/^mapcount at line \d+$/)
    // worked out by hand: the stub differs whenever a check sees a present page, and that takes a mapping,
    // one statement faulting a page in, and a check — nothing less
    expect(c.shrunk!.statements).toBe(3)
    expect(c.shrunk!.scenario).toMatch(/^scenario difftest-3\n/)
    expect(c.shrunk!.tests).toBeGreaterThan(0)
  })

  it('the shrink budget bounds the kernel runs', async () => {
    const c = await diffTestSeed(3, { observe: doctored, shrink: true, shrinkBudget: 2 })
    expect(c.shrunk!.tests).toBeLessThanOrEqual(2)
  })

  it('skip: a scenario the simulator refuses as not modelled (contract rule 10) is no disagreement, and the kernel is not asked', async () => {
    let asked = 0
    const c = await diffTestSeed(3, {
      observe: async (s) => (asked++, simulateScenario(s).observation),
      simulate: (s) => {
        throw new Error(`${s.file}:4: not modelled: a stand-in refusal`)
      },
    })
    expect(c).toMatchObject({ verdict: 'skip', reason: 'difftest-3.scenario:4: not modelled: a stand-in refusal', differences: [], shrunk: null })
    expect(asked).toBe(0)
  })

  it('other simulator errors are not skips: they propagate', async () => {
    const boom = diffTestSeed(3, { observe: agreeing, simulate: () => { throw new Error('model bug') } })
    await expect(boom).rejects.toThrow('model bug')
  })

  it('a live run that failed, or found no valid observation in any attempt (NoValidObservation), is verdict error: the scan goes on', async () => {
    const blank = await diffTestSeed(3, { observe: async () => { throw new NoValidObservation('difftest-3.scenario: no valid observation in 6 attempts (last: blank kpageflags for present pfn 0x628f76)') } })
    expect(blank).toMatchObject({ seed: 3, verdict: 'error', reason: expect.stringContaining('no valid observation in 6 attempts'), differences: [] })
    const failed = await diffTestSeed(3, { observe: async () => { throw new LiveKernelError('difftest-3.scenario: cannot set a knob') } })
    expect(failed).toMatchObject({ verdict: 'error', reason: 'difftest-3.scenario: cannot set a knob' })
  })
})
