import { describe, expect, it } from 'vitest'
import { parseScenario } from './parseScenario.ts'
import { scenarioErrorOf } from './scenarioErrorOf.testkit.ts'

// docs/scenario-language.md §8.4: limits on a whole scenario, each one error FILE:LINE naming the limit;
// the expected lines and counts are worked out from the texts (one statement per line)

const err = scenarioErrorOf

describe('scenario limits', () => {
  it('100000 statements are accepted, the 100001st is an error at its line', () => {
    expect(parseScenario('check\n'.repeat(100_000), 'x.scenario').statements).toHaveLength(100_000)
    expect(err('check\n'.repeat(100_001))).toBe('x.scenario:100001: a scenario of at most 100000 statements is supported, this one has 100001')
  })

  it('47 forks are accepted (names reused after exit), the 48th is an error at its line', () => {
    const pair = 'p0 fork p1\np1 exit\n'
    expect(() => parseScenario(pair.repeat(47), 'x.scenario')).not.toThrow()
    // the 48th fork is statement 95 (two statements per fork, the 48th pair starts at line 95)
    expect(err(pair.repeat(48))).toBe('x.scenario:95: a scenario may fork at most 47 times (the live runner has 48 process slots)')
  })

  it('a check of 16G of mappings (4194304 pages) is accepted, one more page is an error at the check', () => {
    expect(() => parseScenario('p0 mmap A 16G anon private\ncheck\n', 'x.scenario')).not.toThrow()
    expect(err('p0 mmap A 16G anon private\np0 mmap B 4K shmem shared\ncheck\n')).toBe(
      "x.scenario:3: a check reports every page of every live process's mappings: 4194305 here, at most 4194304 (16G of mappings) are supported",
    )
    // a forked child's names count again: 2 × 8G
    expect(err('p0 mmap A 8G anon private\np0 fork p1\np0 mmap B 4K anon private\ncheck\n')).toContain('4194305 here')
    // an exited process's do not
    expect(() => parseScenario('p0 mmap A 8G anon private\np0 fork p1\np1 exit\np0 mmap B 4K anon private\ncheck\n', 'x.scenario')).not.toThrow()
  })
})
