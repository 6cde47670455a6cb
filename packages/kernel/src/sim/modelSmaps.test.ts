import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { simulateScenario } from './simulateScenario.ts'

const smapsOf = (text: string) => simulateScenario(parseScenario(text, 'x.scenario')).observation.checks.map((c) => c.smaps)
const zero = { Shared_Clean: 0, Shared_Dirty: 0, Private_Clean: 0, Private_Dirty: 0, AnonHugePages: 0, ShmemPmdMapped: 0, FilePmdMapped: 0 }

// Every expected figure below is worked out by hand from smaps_account() (fs/proc/task_mmu.c, 6.18,
// CONFIG_PAGE_MAPCOUNT): Rss 4 kB per present non-zero page, Pss 4 kB / mapcount, private when mapcount < 2.
describe('modelSmaps (ground truth, CONFIG_PAGE_MAPCOUNT)', () => {
  it('a plain check has no smaps; check smaps has them', () => {
    expect(smapsOf('p0 mmap A 4K anon private\np0 write A\ncheck\n')).toEqual([undefined])
    expect(smapsOf('p0 mmap A 4K anon private\np0 write A\ncheck smaps\n')[0]).toEqual({ p0: { A: { ...zero, Rss: 4, Pss: 4, Private_Dirty: 4 } } })
  })

  it('the zero page is not in Rss: 2 written pages + 1 read of a 3-page anon mapping = 8 kB', () => {
    expect(smapsOf('p0 mmap A 12K anon private\np0 write A[0+8K]\np0 read A[8K+4K]\ncheck smaps\n')[0]!.p0!.A).toEqual({ ...zero, Rss: 8, Pss: 8, Private_Dirty: 8 })
  })

  it('fork: 4 shared anon pages are Pss 4 × 4/2 = 8 kB each side; a COW in the child leaves 3 shared (Pss 6 + 4)', () => {
    const [a, b] = smapsOf('p0 mmap A 16K anon private\np0 write A\np0 fork p1\ncheck smaps\np1 write A[4K+4K]\ncheck smaps\n')
    expect(a!.p0!.A).toEqual({ ...zero, Rss: 16, Pss: 8, Shared_Dirty: 16 })
    expect(b!.p1!.A).toEqual({ ...zero, Rss: 16, Pss: 10, Shared_Dirty: 12, Private_Dirty: 4 })
  })

  it('PMD-mapped THP shared by fork, then the child drops one page: parent Pss (511 × 2 + 4) = 1026 kB, private 4 kB', () => {
    const [, , c] = smapsOf(`set thp=madvise
p0 mmap A 2M anon private
p0 madvise A hugepage
p0 write A
check smaps
p0 fork p1
check smaps
p1 madvise A[1M+4K] dontneed
check smaps
`)
    expect(c!.p0!.A).toEqual({ ...zero, Rss: 2048, Pss: 1026, Shared_Dirty: 2044, Private_Dirty: 4, AnonHugePages: 2048 })
    // the child's PMD was split: no AnonHugePages, 511 pages of mapcount 2 = 1022 kB
    expect(c!.p1!.A).toEqual({ ...zero, Rss: 2044, Pss: 1022, Shared_Dirty: 2044 })
  })

  it('Pss is truncated per VMA: 4 pages of mapcount 3 are 5 kB in one VMA (5461 B), 2 + 2 kB in two', () => {
    const [c] = smapsOf('p0 mmap A 16K anon private\np0 write A\np0 fork p1\np0 fork p2\np0 mprotect A[0+8K] ro\ncheck smaps\n')
    expect(c!.p0!.A).toEqual({ ...zero, Rss: 16, Pss: 4, Shared_Dirty: 16 })
    expect(c!.p1!.A).toEqual({ ...zero, Rss: 16, Pss: 5, Shared_Dirty: 16 })
  })

  it('shmem: read pages are clean, written pages dirty; a file page mapped once is private', () => {
    expect(smapsOf('p0 mmap A 16K shmem shared\np0 write A[0+4K]\np0 read A[4K+4K]\ncheck smaps\n')[0]!.p0!.A).toEqual({ ...zero, Rss: 8, Pss: 8, Private_Clean: 4, Private_Dirty: 4 })
  })
})
