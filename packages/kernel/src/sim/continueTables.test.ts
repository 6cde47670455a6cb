import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { NotModelled } from './simContext.ts'
import { simulateScenario } from './simulateScenario.ts'

const run = (lines: string[]) => simulateScenario(parseScenario(lines.join('\n'), 't.scenario'))

// Live (6.18.44, 3 December 2026): `continue` EFAULT on 2M of never-touched anon shared memory under
// shmem_thp=always, then a write: the 2M folio is mapped with PTEs (smaps ShmemPmdMapped 0 kB), because
// mfill_atomic()'s __pte_alloc() left an empty PTE table the model does not hold (continueTables.ts)
describe('an empty PTE table left by a refused UFFDIO_CONTINUE', () => {
  const efault = ['set shmem_thp=always', 'p0 mmap A 2M anon shared', 'p0 continue A', 'p0 write A[0+4K]', 'check smaps']

  it('refuses the later PMD mapping there, naming the line of the fault', () => {
    let err: unknown
    try {
      run(efault)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NotModelled)
    expect((err as NotModelled).userMessage).toMatch(/^t\.scenario:4: not modelled: a PMD mapping where a refused UFFDIO_CONTINUE left an empty PTE table/)
  })

  it('does not refuse without the continue (the write maps the 2M folio with a PMD)', () => {
    const r = run(efault.filter((l) => !l.includes('continue')))
    expect(r.observation.checks[0]!.smaps!['p0']!['A']!.ShmemPmdMapped).toBe(2048)
  })

  it('still refuses after mremap moved the range (the table moves with the VMA)', () => {
    let err: unknown
    try {
      run(['set shmem_thp=always', 'p0 mmap A 2M anon shared', 'p0 continue A', 'p0 mremap A B', 'p0 write B[0+4K]', 'check'])
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NotModelled)
  })

  it('does not refuse when no PMD folio can be mapped there (shmem_thp=never: 4K pages)', () => {
    const r = run(efault.map((l) => l.replace('shmem_thp=always', 'shmem_thp=never')))
    expect(r.observation.refused).toEqual([{ line: 3, op: 'continue', errno: 'EFAULT' }])
  })
})
