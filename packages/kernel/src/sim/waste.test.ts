import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { punchFile, takeExtraRef } from './punch.ts'
import type { SimContext } from './simContext.ts'
import { runScenario } from './simulateScenario.ts'
import { scenarioWaste, wasteOf, type WasteReport, type WasteRow } from './waste.ts'

// Expected values worked out by hand from the 6.18 source: shmem_alloc_and_add_folio() allocates the
// largest allowed order whose aligned block is free, finish_fault() maps the whole folio when it fits the
// VMA, shmem_fallocate(PUNCH_HOLE) -> truncate_inode_partial_folio() splits at the hole's edges (folio_split(),
// buddy orders) and frees the pages inside. The 64K allocation and its 16 PTEs agree with the live kernel's
// stored observation of traces/scenarios/shmem-mthp-64K.

const HEAD = `set shmem_thp.64K=always
set shmem_thp.2M=never
p0 mmap A 128K shmem shared
`
const parse = (text: string) => parseScenario(text, 't.scenario')
const shmem = (r: WasteReport): WasteRow[] => r.rows.filter((x) => x.kind === 'shmem')
const row = (r: WasteReport, order: number): WasteRow => shmem(r).find((x) => x.order === order)!

describe('wasteOf: pages allocated, mapped, written, and the entries mapping them', () => {
  it('one 4K write in a 64K shmem folio: 16 allocated, 16 mapped by 16 PTEs, 1 written, nothing to reclaim', () => {
    const r = scenarioWaste(parse(HEAD + 'p0 write A[0+4K]\n'))
    expect(shmem(r)).toEqual([{
      kind: 'shmem', order: 4, folios: 1, allocated: 16, mapped: 16, written: 1, punchedHeld: 0,
      flagCandidates: 0, flagReturns: 0, zeroScanCandidates: 0, zeroScanReturns: 0, pmdEntries: 0, pteEntries: 16,
    }])
  })

  it('after MADV_DONTNEED the folio stays cached, unmapped: zero-page scanning would return its 15 zero pages', () => {
    const r = scenarioWaste(parse(HEAD + 'p0 write A[0+4K]\np0 madvise A[0+64K] dontneed\n'))
    expect(row(r, 4)).toMatchObject({ folios: 1, allocated: 16, mapped: 0, written: 1, zeroScanCandidates: 1, zeroScanReturns: 15, pteEntries: 0 })
  })

  it('a 2M PMD THP written at one page: 512 allocated and mapped by one PMD entry, 1 written', () => {
    const r = scenarioWaste(parse('set shmem_thp=always\np0 mmap A 2M shmem shared\np0 write A[0+4K]\n'))
    expect(shmem(r)).toEqual([expect.objectContaining({ order: 9, folios: 1, allocated: 512, mapped: 512, written: 1, pmdEntries: 1, pteEntries: 0 })])
  })
})

describe('punch of a large shmem folio', () => {
  it('a split that succeeds frees the punched page: pages 0, 2, 3 order 0, [4, 8) order 2, [8, 16) order 3, nothing held', () => {
    // split at page 1: [0,1) [1,2) o0, [2,4) o1, [4,8) o2, [8,16) o3; then at page 2 (after the hole): [2,4) -> two o0
    const r = scenarioWaste(parse(HEAD + 'p0 write A[0+64K]\np0 punch A[4K+4K]\n'))
    expect(shmem(r).map((x) => [x.order, x.folios, x.allocated, x.written, x.punchedHeld])).toEqual([[0, 3, 3, 3, 0], [2, 1, 4, 4, 0], [3, 1, 8, 8, 0]])
    expect(r).toMatchObject({ splitFailures: [], punchSplits: 1, punchSplitFreed: 1 })
  })

  it('with an extra reference the split fails: the folio stays whole, the hole zeroed, unmapped and held; both proposals return it', () => {
    const s = parse(HEAD + 'p0 write A[0+64K]\n')
    let r: WasteReport | undefined
    runScenario(s, null, null, (ctx: SimContext) => {
      const head = ctx.entry(0, ctx.map('p0', 'A').start)
      takeExtraRef(ctx, head)
      punchFile(ctx, ctx.map('p0', 'A'), 1, 2)
      r = wasteOf(ctx)
    })
    expect(shmem(r!)).toEqual([{
      kind: 'shmem', order: 4, folios: 1, allocated: 16, mapped: 14, written: 14, punchedHeld: 2,
      flagCandidates: 1, flagReturns: 2, zeroScanCandidates: 1, zeroScanReturns: 2, pmdEntries: 0, pteEntries: 14,
    }])
    expect(r!.splitFailures).toEqual([expect.objectContaining({ order: 4, reason: '1 extra reference (pin)' })])
    expect(r!.punchSplits).toBe(0)
  })

  it('a failed split of a PMD-mapped 2M folio zaps the PMD (file PMDs are not split into PTEs): 512 held in place, 510 still written', () => {
    let r: WasteReport | undefined
    runScenario(parse('set shmem_thp=always\np0 mmap A 2M shmem shared\np0 write A\n'), null, null, (ctx: SimContext) => {
      takeExtraRef(ctx, ctx.entry(0, ctx.map('p0', 'A').start))
      punchFile(ctx, ctx.map('p0', 'A'), 100, 2)
      r = wasteOf(ctx)
    })
    expect(shmem(r!)).toEqual([expect.objectContaining({ order: 9, allocated: 512, mapped: 0, written: 510, punchedHeld: 2, flagReturns: 2, zeroScanReturns: 2, pmdEntries: 0 })])
  })
})
