import type { MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { costOf } from './costOf.ts'
import { modelledNs, NS_PER } from './modelledNs.ts'
import { strategyById } from './registry.ts'
import { alloc, anonDup, fileAdd, fork, hugeAdd, newAnon, perPte, proc, remap, remove, vma } from './testEvents.ts'

/*
 * rmapCalls / folioLookups per era, worked out by hand from the kernel sources (rmapCalls.ts cites them):
 * a 2 MiB anon THP (N = 512 pages), one process, then one operation.
 */
const P = 1
const C = 2
const V = 0x10000
const F = 0x40000
const N = 512

const pmdThp = (): MmEvent[] => [proc(P), vma(P, V, N), alloc(F, 9), newAnon(P, V, F, N, 'pmd')]
const pteThp = (): MmEvent[] => [...pmdThp(), remap(P, V, F)]

const calls = (id: string, setup: MmEvent[], op: MmEvent[]) => {
  const r = costOf(strategyById(id)!, setup, op)
  return [r.rmapCalls, r.folioLookups]
}

describe('rmapCalls and folioLookups: the call pattern of each era', () => {
  test('PTE-remap of one PMD-mapped THP: 6.1 open-codes it, 6.2 makes 512 + 1 page calls, 6.8+ two folio calls', () => {
    // 6.1 __split_huge_pmd_locked: atomic_inc(&page[i]._mapcount) in the loop and an open-coded compound
    // decrement — 0 calls; 6.2: page_add_anon_rmap(page + i, …) × 512 + page_remove_rmap(page, vma, true),
    // a tail-page compound_head() in each call on pages 1..511; 6.8: folio_add_anon_rmap_ptes(folio, page, 512, …)
    // + folio_remove_rmap_pmd()
    expect(calls('linux-6.1', pmdThp(), [remap(P, V, F)])).toEqual([0, 0])
    expect(calls('linux-6.2', pmdThp(), [remap(P, V, F)])).toEqual([513, 511])
    expect(calls('linux-6.8', pmdThp(), [remap(P, V, F)])).toEqual([2, 0])
    expect(calls('linux-6.15', pmdThp(), [remap(P, V, F)])).toEqual([2, 0])
  })

  test('zap of a PTE-mapped THP as one batched event: per PTE up to 6.8, one folio_remove_rmap_ptes() from 6.9', () => {
    const zap = [remove(P, V, F, F, N, 'pte')]
    expect(calls('linux-6.2', pteThp(), zap)).toEqual([512, 511]) // page_remove_rmap() per PTE, 511 of them on tail pages
    expect(calls('linux-6.8', pteThp(), zap)).toEqual([512, 0]) // folio_remove_rmap_pte() per PTE
    expect(calls('linux-6.10', pteThp(), zap)).toEqual([1, 0])
  })

  test('fork of a PTE-mapped THP as one batched dup: per PTE up to 6.8, one call from 6.9', () => {
    const dup = [fork(P, C), anonDup(P, C, V, F, F, N, 'pte')]
    expect(calls('linux-6.1', pteThp(), dup)).toEqual([512, 511]) // page_try_dup_anon_rmap() per PTE
    expect(calls('linux-6.8', pteThp(), dup)).toEqual([512, 0])
    expect(calls('linux-6.12', pteThp(), dup)).toEqual([1, 0])
  })

  test('small folios: one call per PTE in every era, and no tail page to look up', () => {
    const setup = [proc(P), vma(P, V, 4), ...perPte(4, (i) => alloc(F + i, 0)), ...perPte(4, (i) => newAnon(P, V + i, F + i, 1, 'pte'))]
    const zap = perPte(4, (i) => remove(P, V + i, F + i, F + i, 1, 'pte'))
    for (const id of ['linux-6.1', 'linux-6.2']) expect(calls(id, setup, zap)).toEqual([4, 0])
    for (const id of ['linux-6.8', 'linux-6.15']) expect(calls(id, setup, zap)).toEqual([4, 0])
  })

  test('file PTEs: v6.2 do_set_pte() one page_add_file_rmap() each; 6.8 set_pte_range() one folio_add_file_rmap_ptes()', () => {
    const setup = [proc(P), vma(P, V, N, 'file'), alloc(F, 9, 'file')]
    const map = [fileAdd(P, V, F, F, N, 'pte')]
    expect(calls('linux-6.2', setup, map)).toEqual([N, N - 1])
    expect(calls('linux-6.8', setup, map)).toEqual([1, 0])
  })

  test('a HugeTLB entry is one call in every era (on the head page: no lookup)', () => {
    const setup = [proc(P), vma(P, V, N, 'hugetlb'), alloc(F, 9, 'hugetlb')]
    expect(calls('linux-6.2', setup, [hugeAdd(P, V, F, 'newAnon')])).toEqual([1, 0])
    expect(calls('linux-6.15', setup, [hugeAdd(P, V, F, 'newAnon')])).toEqual([1, 0])
  })
})

describe('modelledNs', () => {
  test('is the documented linear combination of the row', () => {
    // 2 calls, 3 lookups, 4 atomics + 1 PAE bitop, 6 lines: 2·5 + 3·2 + 5·8 + 6·10 = 116 ns
    expect(NS_PER).toEqual({ call: 5, folioLookup: 2, atomic: 8, cacheLine: 10 })
    expect(modelledNs({ rmapCalls: 2, folioLookups: 3, atomics: 4, paeBitops: 1, cacheLines: 6 })).toBe(116)
  })

  test('PTE-remap of one PMD THP: linux-6.8 is modelled cheaper than linux-6.2 by the 511 calls and 511 lookups it saves', () => {
    const a = costOf(strategyById('linux-6.2')!, pmdThp(), [remap(P, V, F)])
    const b = costOf(strategyById('linux-6.8')!, pmdThp(), [remap(P, V, F)])
    // the counter words they write are the same (§8.2: 1024 atomics either way), so the difference is the calls alone
    expect(a.atomics).toBe(b.atomics)
    expect(modelledNs(a) - modelledNs(b)).toBe(511 * NS_PER.call + 511 * NS_PER.folioLookup + (a.cacheLines - b.cacheLines) * NS_PER.cacheLine + (a.paeBitops - b.paeBitops) * NS_PER.atomic)
  })
})
