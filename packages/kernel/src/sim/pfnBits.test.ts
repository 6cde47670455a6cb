import { describe, expect, it } from 'vitest'
import { FolioList, PfnBits } from './pfnBits.ts'

describe('PfnBits', () => {
  it('holds PFNs across chunks; adding twice and deleting what is absent change nothing', () => {
    const b = new PfnBits()
    for (const p of [0, 4095, 4096, 0x100000, 0x7ffffffe]) b.add(p)
    b.add(4096)
    b.delete(5)
    expect([0, 1, 4095, 4096, 4097, 0x100000, 0x7ffffffe].map((p) => b.has(p))).toEqual([true, false, true, true, false, true, true])
    b.deleteRange(4095, 2)
    expect([4094, 4095, 4096, 0].map((p) => b.has(p))).toEqual([false, false, false, true])
  })

  it('a chunk whose last PFN leaves is dropped, and a later add there starts empty', () => {
    const b = new PfnBits()
    b.add(8192)
    b.add(8193)
    b.deleteRange(8192, 2)
    b.add(8200)
    expect([8192, 8193, 8200].map((p) => b.has(p))).toEqual([false, false, true])
  })
})

describe('FolioList', () => {
  it('keeps heads in first-touch order, drops a repeat of the last head, grows past its first block', () => {
    const l = new FolioList()
    for (let i = 0; i < 100; i++) {
      l.push(1000 + i)
      l.push(1000 + i)
    }
    l.push(1000)
    expect(l.length).toBe(101)
    expect(Array.from(l.heads.subarray(0, 3))).toEqual([1000, 1001, 1002])
    expect(l.heads[100]).toBe(1000)
  })
})
