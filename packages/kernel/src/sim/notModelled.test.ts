import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { NotModelled } from './simContext.ts'
import { simulateScenario } from './simulateScenario.ts'

const run = (text: string) => simulateScenario(parseScenario(text, 't.scenario'))

describe('refuse rather than guess (scenario contract v1.1 item 10)', () => {
  // worked out by hand from the sim README ("VMA merging in core"): after `mprotect ro` then `rw` of 4K in
  // the middle of a 2M THP-eligible VMA the kernel merges the three VMAs back (vma_merge_existing_range())
  // and a write fault maps a PMD THP across the old boundaries; core keeps three VMAs and could only map 4K
  const roundTrip = ['set thp=always', 'p0 mmap A 2M anon private', 'p0 mprotect A[1M+4K] ro', 'p0 mprotect A[1M+4K] rw', 'p0 write A', 'check'].join('\n')

  it('refuses a THP fault across VMAs the kernel merged back, naming file and line', () => {
    let err: unknown
    try {
      run(roundTrip)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NotModelled)
    expect((err as NotModelled).userMessage).toMatch(/^t\.scenario:5: not modelled: a THP\/mTHP fault across a boundary of VMAs the kernel merged back/)
  })

  it('does not refuse when the merged VMA gives the fault the same folio as the core VMA', () => {
    // thp=never: order 0 in both VMAs, so nothing crosses a core boundary
    const r = run(roundTrip.replace('thp=always', 'thp=never'))
    expect(r.observation.checks).toHaveLength(1)
  })

  it('does not refuse a THP fault in a VMA that was never split', () => {
    const r = run(['set thp=always', 'p0 mmap A 2M anon private', 'p0 write A', 'check'].join('\n'))
    expect(r.observation.checks).toHaveLength(1)
  })
})
