import { describe, expect, it } from 'vitest'
import { parseScenario } from './parseScenario.ts'
import { printScenario } from './printScenario.ts'
import { scenarioErrorOf } from './scenarioErrorOf.testkit.ts'

// [extension] `PROC pin RANGE` and `PROC unpin` (docs/scenario-language.md §8.5)

const err = scenarioErrorOf

describe('pin and unpin', () => {
  it('parse into a range statement and a bare one, and print back to the same text', () => {
    const text = 'p0 mmap A 128K shmem shared\np0 pin A[32K+4K]\np0 mmap F 8K file private\np0 pin F\np0 unpin\n'
    const s = parseScenario(text, 'x.scenario')
    expect(s.statements[1]).toEqual({ op: 'pin', line: 2, proc: 'p0', range: { mapping: 'A', offset: 32768, length: 4096 } })
    expect(s.statements[3]).toEqual({ op: 'pin', line: 4, proc: 'p0', range: { mapping: 'F', offset: 0, length: 8192 } })
    expect(s.statements[4]).toEqual({ op: 'unpin', line: 5, proc: 'p0' })
    expect(printScenario(s.statements)).toBe(text)
  })

  it.each([
    ['p0 mmap A 64K anon shared\np0 pin A\n', 'x.scenario:2: pin needs a shmem or file mapping; A is anon (pins of anon and HugeTLB folios are not modelled)'],
    ['p0 mmap H 2M hugetlb2M shared\np0 pin H\n', 'x.scenario:2: pin needs a shmem or file mapping; H is hugetlb2M (pins of anon and HugeTLB folios are not modelled)'],
    ['p0 mmap A 2G shmem shared\np0 pin A\n', 'x.scenario:2: a pin of at most 1G (262144 pages) is supported, got 2097152K'],
    ['p0 mmap A 64K shmem shared\np0 pin\n', 'x.scenario:2: expected a range (NAME or NAME[OFF+LEN])'],
    ['p0 mmap A 64K shmem shared\np0 unpin A\n', "x.scenario:2: unexpected 'A'"],
    ['p0 pin A\n', 'x.scenario:1: '],
  ])('%j is an error naming the line', (text, message) => {
    expect(err(text)).toContain(message)
  })

  it('a pin of exactly 1G is accepted', () => {
    expect(parseScenario('p0 mmap A 1G shmem shared\np0 pin A\n', 'x.scenario').statements[1]!.op).toBe('pin')
  })
})
