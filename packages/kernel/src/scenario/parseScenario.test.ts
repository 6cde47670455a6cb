import { describe, expect, it } from 'vitest'
import { parseScenario } from './parseScenario.ts'
import { printScenario, printStatement } from './printScenario.ts'
import { mthpPolicy } from './knobSettings.ts'
import { scenarioErrorOf } from './scenarioErrorOf.testkit.ts'

const EXAMPLE = `scenario fork-cow-pmd-thp
set thp=madvise
p0 mmap A 2M anon private
p0 madvise A hugepage
p0 write A
p0 fork p1
check
p1 write A[8K+4K]
check
p1 madvise A[1M+4K] dontneed
p1 exit
check
`

const err = scenarioErrorOf

describe('parseScenario', () => {
  it('parses the contract example', () => {
    const s = parseScenario(EXAMPLE, 'dir/ex.scenario')
    expect(s.name).toBe('fork-cow-pmd-thp')
    expect(s.statements).toHaveLength(12)
    expect(s.statements[2]).toEqual({ op: 'mmap', line: 3, proc: 'p0', name: 'A', size: 2 << 20, kind: 'anon', sharing: 'private', skew: 0 })
    expect(s.statements[4]).toEqual({ op: 'write', line: 5, proc: 'p0', range: { mapping: 'A', offset: 0, length: 2 << 20 } })
    expect(s.statements[7]).toEqual({ op: 'write', line: 8, proc: 'p1', range: { mapping: 'A', offset: 8192, length: 4096 } })
    expect(s.statements[9]).toMatchObject({ op: 'madvise', advice: 'dontneed', range: { offset: 1 << 20, length: 4096 } })
    expect(s.knobs.thp).toBe('madvise')
  })

  it('defaults the name to the file name and applies knob defaults', () => {
    const s = parseScenario('set thp.64K=always\nset thp.64K=inherit\nset hugetlb.2M=4\nset hvo=on\n', '/a/b/my-test.scenario')
    expect(s.name).toBe('my-test')
    expect(mthpPolicy(s.knobs, 65536)).toBe('inherit')
    expect(mthpPolicy(s.knobs, 2 << 20)).toBe('inherit')
    expect(mthpPolicy(s.knobs, 16384)).toBe('never')
    expect(s.knobs.hugetlb.get(2 << 20)).toBe(4)
    expect(parseScenario('set hugetlb.2M=32768\nset hugetlb.1G=64\n', 'x.scenario').knobs.hugetlb).toEqual(new Map([[2 << 20, 32768], [1 << 30, 64]]))
    expect(s.knobs.hvo).toBe(true)
    expect(s.knobs.shmemThp).toBe('never')
  })

  it('set hgm=on|off (model-only HGM extension): default off, last one wins, printed back', () => {
    expect(parseScenario('set hvo=on\n', 'x.scenario').knobs.hgm).toBe(false)
    const s = parseScenario('set hgm=on\n', 'x.scenario')
    expect(s.knobs.hgm).toBe(true)
    expect(s.statements).toEqual([{ op: 'set', line: 1, knob: 'hgm', value: true }])
    expect(printStatement(s.statements[0]!)).toBe('set hgm=on')
    expect(parseScenario('set hgm=on\nset hgm=off\n', 'x.scenario').knobs.hgm).toBe(false)
    expect(err('set hgm=yes')).toContain("x.scenario:1: expected hgm value (on, off), got 'yes'")
  })

  it('ignores comments and blank lines, keeps line numbers', () => {
    const s = parseScenario('# hello\n\np0 mmap A 8K anon shared skew=4K # c\n  check vmemmap  \n', 'x')
    expect(s.statements).toEqual([
      { op: 'mmap', line: 3, proc: 'p0', name: 'A', size: 8192, kind: 'anon', sharing: 'shared', skew: 4096 },
      { op: 'check', line: 4, vmemmap: true },
    ])
  })

  it('children inherit names; exited names may be reused', () => {
    const s = parseScenario('p0 mmap A 8K anon private\np0 fork p1\np1 write A[4K+4K]\np1 exit\np0 fork p1\np1 mremap A[0+4K] B\np1 read B\n', 'x')
    expect(s.statements.at(-1)).toMatchObject({ op: 'read', proc: 'p1', range: { mapping: 'B', offset: 0, length: 4096 } })
  })

  it.each([
    ['p0 mmap A 3K anon private', 'x.scenario:1: mapping size 3K is not a multiple of 4K'],
    ['p0 mmap A 4K anon', 'x.scenario:1: expected sharing (private, shared)'],
    ['p0 mmap a 4K anon private', "x.scenario:1: expected a mapping name ([A-Z][A-Za-z0-9_]*) after mmap, got 'a'"],
    ['p0 mmap A 4K anon private\np0 write A[4K+4K]', 'x.scenario:2: range A[4K+4K] is outside mapping A of p0'],
    ['p0 mmap A 4K anon private\np0 write A[0+0]', 'x.scenario:2: range length must not be zero'],
    ['p0 mmap A 4K anon private\np0 munmap A\np0 mmap A 4K anon private', 'x.scenario:3: mapping A already exists in p0'],
    ['p1 write A', 'x.scenario:1: process p1 is not live'],
    ['p0 fork p1\np0 fork p1', 'x.scenario:2: process p1 is still live'],
    ['p0 mmap A 4K anon private\np0 punch A', 'x.scenario:2: punch needs a shmem, file or hugetlb mapping'],
    ['p0 mmap A 4M hugetlb2M private skew=4K', 'x.scenario:1: size and skew of a hugetlb2M mapping must be multiples of 2M'],
    ['p0 mmap A 4K anon private\nset thp=always', 'x.scenario:2: set must come before the first process statement'],
    ['set thp.3K=always', 'x.scenario:1: expected a power of two from 8K to 2M after thp.'],
    ['set thp=sometimes', 'x.scenario:1: expected thp policy (always, madvise, never)'],
    // pool limits: 64 GiB per size (32768 × 2M = 2^36 bytes, 64 × 1G)
    ['set hugetlb.2M=99999999999', 'x.scenario:1: a HugeTLB pool of at most 32768 pages of 2M (64G) is supported, got hugetlb.2M=99999999999'],
    ['set hugetlb.2M=32769', 'x.scenario:1: a HugeTLB pool of at most 32768 pages of 2M (64G) is supported, got hugetlb.2M=32769'],
    ['set hugetlb.1G=65', 'x.scenario:1: a HugeTLB pool of at most 64 pages of 1G (64G) is supported, got hugetlb.1G=65'],
    ['set foo=1', "x.scenario:1: unknown knob 'foo'"],
    ['p0 frobnicate', "x.scenario:1: unknown op 'frobnicate'"],
    ['p0 mmap A 4K anon private\np0 madvise A sideways', 'x.scenario:2: expected madvise advice'],
    ['hello', "x.scenario:1: expected a statement (scenario, set, check or PROC OP …), got 'hello'"],
    ['p0 exit\np0 mmap A 4K anon private', 'x.scenario:2: process p0 is not live'],
    ['p0 mmap A 4K anon private\np0 write A extra', "x.scenario:2: unexpected 'extra'"],
  ])('rejects %j', (text, msg) => {
    expect(err(text)).toContain(msg)
  })
})

describe('check smaps [extension]', () => {
  it('parses check smaps and check vmemmap smaps, prints them back, and refuses other words', () => {
    const s = parseScenario('p0 mmap A 4K anon private\ncheck smaps\ncheck vmemmap smaps\ncheck\n', 'x')
    expect(s.statements.slice(1)).toEqual([
      { op: 'check', line: 2, vmemmap: false, smaps: true },
      { op: 'check', line: 3, vmemmap: true, smaps: true },
      { op: 'check', line: 4, vmemmap: false },
    ])
    expect(printScenario(s.statements)).toContain('check smaps\ncheck vmemmap smaps\ncheck\n')
    expect(() => parseScenario('check smaps vmemmap\n', 'x')).toThrow(/x:1: .*got 'vmemmap'/)
    expect(() => parseScenario('check rss\n', 'x')).toThrow(/x:1: .*got 'rss'/)
  })
})
