import { describe, expect, it } from 'vitest'
import { hvoLayout, hvoStructPageAlias, hvoStructPageWritable } from './hvoLayout.ts'

// Expected figures worked out by hand from mm/hugetlb_vmemmap.{c,h} (6.18) and the v7 cover letter (seed 002):
// 2 MiB = 512 struct pages * 64 B = 32 KiB = 8 vmemmap pages; 1 GiB = 262144 * 64 B = 16 MiB = 4096 pages.
describe('hvoLayout', () => {
  it('2 MiB: 8 vmemmap pages; v7 keeps 2 and frees 6, 6.18 keeps 1 and frees 7 (copying the head first)', () => {
    const v7 = hvoLayout('v7', 9)
    expect([v7.vmemmapPagesPerHugePage, v7.keptPerHugePage, v7.freedPerHugePage]).toEqual([8, 2, 6])
    expect([v7.pagesFreedToBuddy, v7.pagesAllocatedOnOptimize, v7.pagesAllocatedOnRestore]).toEqual([6, 0, 6])
    const k = hvoLayout('6.18', 9)
    expect([k.vmemmapPagesPerHugePage, k.keptPerHugePage, k.freedPerHugePage]).toEqual([8, 1, 7])
    expect([k.pagesFreedToBuddy, k.pagesAllocatedOnOptimize, k.pagesAllocatedOnRestore]).toEqual([8, 1, 7])
    // one PTE table maps 512 vmemmap pages = the vmemmap of 64 2 MiB pages
    expect([k.pageTablePagesPerHugePage, k.hugePagesPerPteTable]).toEqual([1 / 64, 64])
    expect(k.writableStructPages).toBe(64)
    expect(v7.writableStructPages).toBe(128)
  })
  it('1 GiB: 4096 vmemmap pages in 8 PTE tables; v7 frees 4094, 6.18 frees 4095', () => {
    const v7 = hvoLayout('v7', 18)
    const k = hvoLayout('6.18', 18)
    expect([v7.vmemmapPagesPerHugePage, v7.freedPerHugePage, v7.pageTablePagesPerHugePage]).toEqual([4096, 4094, 8])
    expect([k.vmemmapPagesPerHugePage, k.freedPerHugePage, k.pageTablePagesPerHugePage]).toEqual([4096, 4095, 8])
    expect(k.hugePagesPerPteTable).toBe(1)
  })
  it('rejects an order HVO cannot optimize', () => {
    expect(() => hvoLayout('6.18', 6)).toThrow(/order 6/)
    expect(() => hvoLayout('v7', 7)).toThrow(/order 7/)
  })
  it('writable struct pages and their read-only aliases', () => {
    expect(hvoStructPageWritable('6.18', 63)).toBe(true)
    expect(hvoStructPageWritable('6.18', 64)).toBe(false)
    expect(hvoStructPageWritable('v7', 127)).toBe(true)
    expect(hvoStructPageWritable('v7', 128)).toBe(false)
    expect(hvoStructPageAlias('6.18', 130)).toBe(2)
    expect(hvoStructPageAlias('v7', 130)).toBe(66)
    expect(hvoStructPageAlias('v7', 5)).toBe(5)
  })
})
