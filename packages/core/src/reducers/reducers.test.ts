import { describe, expect, it } from 'vitest'
import { given } from '@mmsim/testing'
import { mmEvent as ev } from '../events/factory.ts'
import { folioTruth, pageMapcount } from '../groundTruth/folioTruth.ts'
import { checkInvariants } from '../groundTruth/recount.ts'
import { stateDigest } from '../state/stateDigest.ts'

const A = 0x40000 // vpn of a 1 GiB-aligned mapping
const F = 0x1000 // pfn of a 2 MiB folio
const anonVma = (pid: number, vpn: number, nrPages: number) =>
  ev('vma/mapped', { pid, vpn, nrPages, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0 })

const thpMapped = [
  ev('process/created', { pid: 0 }),
  anonVma(0, A, 512),
  ev('folio/allocated', { folio: F, order: 9, kind: 'anon', file: 0, index: 0 }),
  ev('rmap/newAnonAdded', { pid: 0, vpn: A, folio: F, page: F, nrPages: 512, level: 'pmd' }),
]

describe('PMD-mapped THP through fork, PMD split and partial unmap (worked by hand)', () => {
  it('a new PMD THP: folio mapcount 1, every page 1, head anon-exclusive', () => {
    const g = given(thpMapped).thenMapcount(F, 1).thenPageMapcount(F, 1).thenPageMapcount(F + 511, 1).thenViolations(0)
    const t = folioTruth(g.state, F)!
    expect(t.entireMapcount).toBe(1)
    expect(t.anonExclusive[0]).toBe(true)
    expect(t.anonExclusive[1]).toBe(false)
    expect(t.mappedShared).toBe(false)
  })

  it('fork copies the PMD: mapcount 2, mapped shared, not exclusive', () => {
    const g = given(thpMapped).when(
      ev('process/forked', { pid: 0, child: 1 }),
      ev('rmap/anonDuplicated', { pid: 0, child: 1, vpn: A, folio: F, page: F, nrPages: 512, level: 'pmd' }),
    )
    g.thenMapcount(F, 2).thenPageMapcount(F + 7, 2).thenViolations(0)
    const t = folioTruth(g.state, F)!
    expect(t.processes).toEqual([0, 1])
    expect(t.mappedShared).toBe(true)
    expect(t.anonExclusive[0]).toBe(false)
  })

  it('the child splits its PMD and unmaps one page; then the parent drops its PMD', () => {
    const g1 = given(thpMapped).when(
      ev('process/forked', { pid: 0, child: 1 }),
      ev('rmap/anonDuplicated', { pid: 0, child: 1, vpn: A, folio: F, page: F, nrPages: 512, level: 'pmd' }),
      ev('pmd/remapped', { pid: 1, vpn: A, folio: F }),
    )
    // p0: 1 PMD; p1: 512 PTEs -> folio_mapcount 513, each page 1 (PMD) + 1 (PTE)
    g1.thenMapcount(F, 513).thenPageMapcount(F + 100, 2).thenViolations(0)
    const g2 = g1.when(ev('rmap/removed', { pid: 1, vpn: A + 2, folio: F, page: F + 2, nrPages: 1, level: 'pte' }))
    g2.thenMapcount(F, 512).thenPageMapcount(F + 2, 1).thenPageMapcount(F + 3, 2)
    expect(folioTruth(g2.state, F)!.partiallyMapped).toBe(false) // the PMD still maps all of it
    const g3 = g2.when(ev('rmap/removed', { pid: 0, vpn: A, folio: F, page: F, nrPages: 512, level: 'pmd' }))
    g3.thenMapcount(F, 511).thenPageMapcount(F + 2, 0).thenPageMapcount(F + 3, 1).thenViolations(0)
    const t = folioTruth(g3.state, F)!
    expect(t.partiallyMapped).toBe(true)
    expect(t.processes).toEqual([1])
    expect(checkInvariants(g3.state)).toEqual([])
  })
})

describe('broken preconditions become violations with the event index, never exceptions', () => {
  it('map over a present entry', () => {
    const g = given(thpMapped).when(ev('rmap/anonAdded', { pid: 0, vpn: A, folio: F, page: F, nrPages: 512, level: 'pmd', exclusive: false }))
    g.thenViolations(1).thenMapcount(F, 1)
    expect(g.state.violations[0]!.index).toBe(4)
    expect(g.state.violations[0]!.message).toMatch(/not none/)
  })
  it('unmap of an empty entry', () => {
    const g = given(thpMapped).when(ev('rmap/removed', { pid: 0, vpn: A + 512, folio: F, page: F, nrPages: 1, level: 'pte' }))
    g.thenViolations(1)
    expect(g.state.violations[0]!.message).toMatch(/is none/)
  })
  it('map outside any VMA', () => {
    given(thpMapped)
      .when(
        ev('folio/allocated', { folio: 7, order: 0, kind: 'anon', file: 0, index: 0 }),
        ev('rmap/newAnonAdded', { pid: 0, vpn: 5, folio: 7, page: 7, nrPages: 1, level: 'pte' }),
      )
      .thenViolations(1)
      .thenPageMapcount(7, 0)
  })
  it('free of a mapped folio, exit with mappings, unmapping a mapped VMA', () => {
    const g = given(thpMapped).when(
      ev('folio/freed', { folio: F }),
      ev('process/exited', { pid: 0 }),
      ev('vma/unmapped', { pid: 0, vpn: A, nrPages: 512 }),
    )
    g.thenViolations(3).thenMapcount(F, 1)
    expect(g.state.violations.map((v) => v.index)).toEqual([4, 5, 6])
  })
})

describe('VMAs', () => {
  it('munmap in the middle splits the VMA and keeps file offsets', () => {
    const g = given([
      ev('process/created', { pid: 0 }),
      ev('vma/mapped', { pid: 0, vpn: 100, nrPages: 10, kind: 'file', shared: false, writable: true, file: 3, pgoff: 20 }),
      ev('vma/unmapped', { pid: 0, vpn: 103, nrPages: 2 }),
    ]).thenViolations(0)
    expect(g.state.procs[0]!.vmas.map((v) => [v.start, v.end, v.pgoff])).toEqual([[100, 103, 20], [105, 110, 25]])
  })

  it('mremap moves PTEs without touching mapcounts', () => {
    const g = given([
      ev('process/created', { pid: 0 }),
      anonVma(0, 1000, 4),
      ev('folio/allocated', { folio: 64, order: 2, kind: 'anon', file: 0, index: 0 }),
      ev('rmap/newAnonAdded', { pid: 0, vpn: 1000, folio: 64, page: 64, nrPages: 4, level: 'pte' }),
      ev('vma/moved', { pid: 0, vpn: 1001, nrPages: 2, newVpn: 5000 }),
    ]).thenViolations(0).thenMapcount(64, 4).thenPageMapcount(65, 1)
    expect(g.state.procs[0]!.vmas.map((v) => [v.start, v.end])).toEqual([[1000, 1001], [1003, 1004], [5000, 5002]])
    expect(checkInvariants(g.state)).toEqual([])
  })
})

describe('folio split and checkpoints', () => {
  it('splitting a PTE-mapped THP keeps each page with its PTEs and recounts owners', () => {
    const g = given(thpMapped).when(
      ev('pmd/remapped', { pid: 0, vpn: A, folio: F }),
      ev('rmap/removed', { pid: 0, vpn: A + 1, folio: F, page: F + 1, nrPages: 1, level: 'pte' }),
      ev('folio/split', { folio: F, newOrder: 0 }),
    ).thenViolations(0)
    expect(folioTruth(g.state, F)!.order).toBe(0)
    expect(folioTruth(g.state, F + 1)!.mapcount).toBe(0)
    expect(folioTruth(g.state, F + 2)!.processes).toEqual([0])
    expect(folioTruth(g.state, F)!.anonExclusive).toEqual([true]) // the head was exclusive; the PMD split spread it
    expect(checkInvariants(g.state)).toEqual([])
  })

  it('a committed state never changes when later events are applied to it', () => {
    const g = given(thpMapped)
    const before = stateDigest(g.state)
    const pagesBefore = pageMapcount(g.state, F + 5)
    g.when(ev('pmd/remapped', { pid: 0, vpn: A, folio: F }), ev('rmap/removed', { pid: 0, vpn: A + 5, folio: F, page: F + 5, nrPages: 1, level: 'pte' }))
    expect(stateDigest(g.state)).toBe(before)
    expect(pageMapcount(g.state, F + 5)).toBe(pagesBefore)
  })
})
