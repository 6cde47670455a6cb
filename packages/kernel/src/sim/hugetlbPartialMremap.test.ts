import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { simulateScenario } from './simulateScenario.ts'

// 6.18 leaks the reservations of a private HugeTLB VMA that mremap splits (docs/kernel-behaviour.md §8.6,
// measured with HugePages_Rsvd on this machine): the simulator refuses exactly those moves as not modelled.
const run = (body: string): string => {
  try {
    simulateScenario(parseScenario(`set hugetlb.2M=4\n${body}\ncheck\n`, 't.scenario'))
    return 'modelled'
  } catch (e) {
    return (e as Error).message.replace(/^t\.scenario:\d+: /, '')
  }
}

describe('mremap of a private HugeTLB mapping', () => {
  it('of part of it, nothing faulted (leaks 1 or 2 reservations live): not modelled', () => {
    for (const r of ['B[0K+2048K]', 'B[2048K+2048K]']) expect(run(`p0 mmap B 4M hugetlb2M private\np0 mremap ${r} D`)).toMatch(/^not modelled: mremap of part of a private HugeTLB VMA with unused reservations/)
    expect(run('p0 mmap B 6M hugetlb2M private\np0 mremap B[2048K+2048K] D')).toMatch(/^not modelled/)
  })
  it('of all of it, of a faulted one, or of a shared one (no leak live): modelled', () => {
    expect(run('p0 mmap B 4M hugetlb2M private\np0 mremap B D')).toBe('modelled')
    expect(run('p0 mmap B 4M hugetlb2M private\np0 write B\np0 mremap B[0K+2048K] D')).toBe('modelled')
    expect(run('p0 mmap B 4M hugetlb2M shared\np0 mremap B[0K+2048K] D')).toBe('modelled')
  })
})
