import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { simulateScenario } from './simulateScenario.ts'

const run = (lines: string[]) => simulateScenario(parseScenario(lines.join('\n'), 't.scenario'))
/** per page of mapping A at check @check: the folio order, or '-' when not present */
const orders = (r: ReturnType<typeof run>, check: number, name = 'A') => r.observation.checks[check]!.procs.p0![name]!.map((p) => (p.present ? p.order : '-'))

// ext4 read-ahead (issue 12 classes 1 and 6), worked out by hand from mm/filemap.c and mm/readahead.c
// (readahead.ts); the corpus scenarios file-hugepage-* and file-pageout-dirty-* hold the live observations
describe('ext4 read-ahead', () => {
  it('VM_HUGEPAGE: the window from the fault rounded down to 512 in the largest aligned orders that fit the file', () => {
    // 12 K: page_cache_ra_order() limit 2 -> order 1 at 0 (order 9 shrunk to fit), order 0 at 2 (__ffs(2) = 1, too long)
    const small = run(['set thp=never', 'p0 mmap A 12K file shared', 'p0 madvise A hugepage', 'p0 read A[0+4K]', 'check'])
    expect(orders(small, 0)).toEqual([1, 1, 0])
    // 3M read at 2M: the window starts at 512; limit 767 -> one order-8 folio, mapped whole; pages before 512 not read
    const tail = run(['p0 mmap A 3M file shared', 'p0 madvise A hugepage', 'p0 read A[2M+4K]', 'check'])
    const o = orders(tail, 0)
    expect(o.slice(0, 512).every((x) => x === '-')).toBe(true)
    expect(o.slice(512).every((x) => x === 8)).toBe(true)
  })

  it('VM_HUGEPAGE 4M: the second order-9 folio carries PG_readahead and is not mapped by fault-around', () => {
    const r = run(['p0 mmap A 4M file shared', 'p0 madvise A hugepage', 'p0 read A[0+4K]', 'check smaps'])
    const o = orders(r, 0)
    expect(o.slice(0, 512).every((x) => x === 9)).toBe(true)
    expect(o.slice(512).every((x) => x === '-')).toBe(true)
    expect(r.observation.checks[0]!.smaps!.p0!.A!.FilePmdMapped).toBe(2048)
  })

  it('without MADV_HUGEPAGE the read-around stays order 0', () => {
    const r = run(['p0 mmap A 64K file shared', 'p0 read A[0+4K]', 'check'])
    expect(orders(r, 0)).toEqual(Array(16).fill(0))
  })

  it('a dirty page kept by MADV_PAGEOUT (PG_reclaim) is left by fault-around; faulting it reads the next pages in orders 0, 1, 2', () => {
    // page_cache_async_ra() with no valid window: start = first miss after 0 = 1, order 0 + 2 = 2, folios
    // by alignment 1 (o0, flagged: the window's mark), 2-3 (o1), 4-7, 8-11, 12-15 (o2)
    const r = run(['p0 mmap A 64K file shared', 'p0 read A', 'p0 write A[0+4K]', 'p0 madvise A pageout', 'check', 'p0 read A[0+4K]', 'check'])
    expect(orders(r, 0)).toEqual(Array(16).fill('-'))
    expect(orders(r, 1)).toEqual([0, '-', 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
  })
})
