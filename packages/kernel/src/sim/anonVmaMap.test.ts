import { describe, expect, it } from 'vitest'
import type { Vma } from '@mmsim/core'
import { AnonVmaMap } from './anonVmaMap.ts'
import { mergeableVmas } from './simContext.ts'

const vma = (start: number, end: number, writable = true): Vma => ({
  start, end, kind: 'anon', shared: false, writable, file: 0, pgoff: 0, thp: 'default', dontfork: false,
})

describe('AnonVmaMap', () => {
  it('a fault prepares the anon_vma of the whole kernel VMA (identical neighbours count as one)', () => {
    const m = new AnonVmaMap()
    m.mark(0, 5, [vma(0, 4), vma(4, 8), vma(8, 12, false)], mergeableVmas)
    expect([m.has(0, 0), m.has(0, 7), m.has(0, 8)]).toEqual([true, true, false])
  })

  it('a VMA split before the first fault gets its own anon_vma; fork gives the child new ones', () => {
    const m = new AnonVmaMap()
    const vmas = [vma(0, 4), vma(4, 8, false)]
    m.mark(0, 0, vmas, mergeableVmas)
    m.mark(0, 4, vmas, mergeableVmas)
    expect(m.id(0, 0)).not.toBe(m.id(0, 4))
    m.fork(0, 1)
    expect(m.has(1, 5)).toBe(true)
    expect(m.id(1, 5)).not.toBe(m.id(0, 5))
  })

  it('mremap moves the anon_vma with the range', () => {
    const m = new AnonVmaMap()
    m.mark(0, 0, [vma(0, 8)], mergeableVmas)
    m.move(0, 2, 4, 100)
    expect([m.has(0, 101), m.has(0, 103), m.has(0, 104)]).toEqual([true, true, false])
    expect(m.id(0, 101)).toBe(m.id(0, 0))
  })

  it('a range found first answers only where no newer range overlaps it (the remembered answer included)', () => {
    const m = new AnonVmaMap()
    m.add(0, 0, 100, 1)
    m.add(0, 40, 60, 2) // newer: wins on [40, 60)
    const ids = [10, 39, 40, 59, 60, 99, 5, 50, 70].map((v) => m.id(0, v))
    expect(ids).toEqual([1, 1, 2, 2, 1, 1, 1, 2, 1])
    expect(m.id(1, 10)).toBe(0)
    m.exit(0)
    expect(m.id(0, 10)).toBe(0)
  })
})
