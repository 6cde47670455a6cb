import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { HGM_MODEL_ONLY, knobPlan, MissingKnob } from './knobs.ts'

// `set hgm=on` is a model-only extension (HGM v2 was never merged; 6.18 answers EINVAL to advice 26):
// the live runner refuses it with one line naming the `set`, before touching any knob.
describe('live runner: set hgm=on is model-only', () => {
  it('knobPlan refuses hgm=on with the line of the set', () => {
    const s = parseScenario('set hugetlb.2M=1\nset hgm=on\np0 mmap A 2M hugetlb2M shared\n', 'x.scenario')
    let err: unknown
    try {
      knobPlan(s.knobs, s.statements)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MissingKnob)
    expect((err as MissingKnob).line).toBe(2)
    expect((err as MissingKnob).message).toBe(HGM_MODEL_ONLY)
  })

  it('hgm=off (explicit, or on then off) plans the same writes as no hgm line', () => {
    const plain = parseScenario('set hugetlb.2M=1\n', 'x.scenario')
    for (const text of ['set hugetlb.2M=1\nset hgm=off\n', 'set hugetlb.2M=1\nset hgm=on\nset hgm=off\n']) {
      const s = parseScenario(text, 'x.scenario')
      expect(knobPlan(s.knobs, s.statements)).toEqual(knobPlan(plain.knobs, plain.statements))
    }
  })
})
