import { readFileSync } from 'node:fs'
import { TruthState } from '@mmsim/core'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { describe, expect, test } from 'vitest'
import { HeldLocks, LOCK_CLASSES, lockEraOf, statementOps, type LockClass } from './heldLocks.ts'

/** the acquisitions and events held per class of scenario @text under era @era (classes nothing took left out) */
function locks(text: string, era: number): Partial<Record<LockClass, [number, number]>> {
  const s = parseScenario(text, 't.scenario')
  const m = new HeldLocks(era, statementOps(s))
  const truth = new TruthState()
  for (const e of simulateScenario(s).events) if (truth.apply(e)) m.apply(e, truth)
  return Object.fromEntries(m.tally().classes.filter((c) => c.eventsHeld > 0).map((c) => [c.lock, [c.acquisitions, c.eventsHeld]]))
}

const COW_PTE = `scenario cow-pte
p0 mmap A 2M anon private
p0 madvise A hugepage
p0 write A
p0 mprotect A[4K+4K] ro
p0 mprotect A[4K+4K] rw
p0 fork p1
p1 write A[0+4K]
`

describe('HeldLocks', () => {
  test('a PTE-mapped THP forked and COWed, as 6.18 locks it', () => {
    // mmap_lock write: mmap, madvise hugepage, 2 × mprotect, fork (parent and child) = 6;
    // per-VMA lock: the THP fault and the child's COW fault = 2 faults;
    // PMD ptl: the THP's PMD (fault) and its remap (mprotect) = 2 acquisitions of one table;
    // PTE ptl: fork copies one table holding src and dst ptl (3 dup batches = 6 events held, 2 acquisitions),
    //   the COW fault takes the child's once for the removal and the new page (2 events) = 3;
    // _mm_ids: remap (2 calls), 3 dups, 1 removal of the THP's page = 6 (the new folios are small)
    expect(locks(COW_PTE, 618)).toEqual({
      'mmap_lock (write)': [6, 6], 'per-VMA lock (read)': [2, 2], 'PMD ptl': [2, 2], 'PTE ptl': [3, 8], 'folio _mm_ids bit-spinlock': [6, 6],
    })
  })

  test('6.2: faults under mmap_lock read, no _mm_ids lock', () => {
    expect(locks(COW_PTE, 602)).toEqual({ 'mmap_lock (read)': [2, 2], 'mmap_lock (write)': [6, 6], 'PMD ptl': [2, 2], 'PTE ptl': [3, 8] })
  })

  test('HugeTLB faults: the VMA lock read and huge_pte_lock — the PMD ptl for 2M, mm->page_table_lock for 1G', () => {
    // two 2M faults in one VMA: 2 × (per-VMA lock, HugeTLB VMA lock, PMD ptl of the one PMD table)
    const two = locks('set hugetlb.2M=2\np0 mmap H 4M hugetlb2M shared\np0 write H\n', 618)
    expect(two).toMatchObject({ 'per-VMA lock (read)': [2, 2], 'hugetlb VMA lock (read)': [2, 2], 'PMD ptl': [2, 2] })
    const gig = locks('set hugetlb.1G=1\np0 mmap H 1G hugetlb1G shared\np0 write H\n', 618)
    expect(gig).toMatchObject({ 'hugetlb VMA lock (read)': [1, 1], 'mm->page_table_lock': [1, 1] })
    expect(gig['PMD ptl']).toBeUndefined()
    // mmap of a file-backed (hugetlbfs) VMA links it into the file's i_mmap tree
    expect(two['i_mmap_rwsem (write)']).toEqual([1, 1])
  })

  test('munmap of 4 small pages in one PTE table: one mmap_lock write, one PTE ptl acquisition for 4 removals', () => {
    const r = locks('p0 mmap A 16K anon private\np0 write A\np0 munmap A\n', 618)
    // mmap + munmap write; 4 faults (4 ptl acquisitions) + the zap's run over one table (1) = 5, 8 events held
    expect(r).toEqual({ 'mmap_lock (write)': [2, 2], 'per-VMA lock (read)': [4, 4], 'PTE ptl': [5, 8] })
  })

  test('UFFDIO_CONTINUE: mmap_lock read up to 6.8, the per-VMA lock from 6.9 (once per ioctl)', () => {
    const text = 'p0 mmap S 16K shmem shared\np0 continue S\n'
    expect(locks(text, 608)['mmap_lock (read)']).toEqual([1, 1])
    expect(locks(text, 608)['per-VMA lock (read)']).toBeUndefined()
    expect(locks(text, 618)['per-VMA lock (read)']).toEqual([1, 1])
  })

  test('HGM v2 walkthrough (model-only): 4K CONTINUEs under the PTE table\'s ptl, not the PMD\'s or the mm\'s', () => {
    const text = readFileSync(new URL('../../../traces/hgm/hgm-walkthrough.scenario', import.meta.url), 'utf8')
    // mmap_lock write: mmap, fork (parent and child), MADV_SPLIT in each = 5; read: MADV_COLLAPSE in each;
    // per-VMA lock: 5 UFFDIO_CONTINUE ioctls; HugeTLB VMA lock read: the 6 pages they install;
    // PTE ptl: the 6 installs + one run per collapse over its 3 PTEs = 8 acquisitions, 12 events;
    // PMD ptl: a PTE table allocated under each process's PMD + each collapse's huge PMD = 4;
    // i_mmap_rwsem write: mmap links the hugetlbfs VMA, fork links the child's
    expect(locks(text, 618)).toEqual({
      'mmap_lock (read)': [2, 2], 'mmap_lock (write)': [5, 5], 'per-VMA lock (read)': [5, 5], 'PMD ptl': [4, 4], 'PTE ptl': [8, 12],
      'hugetlb VMA lock (read)': [6, 6], 'i_mmap_rwsem (write)': [2, 2],
    })
  })

  test('lockEraOf: the first version of a scheme; 6.15+ as 6.18', () => {
    expect(['linux-6.1', 'linux-6.2', 'linux-6.8', 'linux-6.12', 'linux-6.15-no-page-mapcount', 'broken'].map(lockEraOf)).toEqual([601, 602, 608, 612, 618, 618])
    expect(LOCK_CLASSES).toHaveLength(11)
  })
})
