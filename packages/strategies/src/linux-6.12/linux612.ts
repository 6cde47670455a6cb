import type { Level } from '@mmsim/core'
import { ENTIRELY_MAPPED, type FolioState } from '../folioState.ts'
import { Linux610 } from '../linux-6.10/linux610.ts'
import type { StrategyDescription } from '../strategy.ts'
import { W } from '../schemeChunk.ts'

/**
 * Linux612 - v6.12–v6.14 (docs/mapcount-schemes.md §3.3, verified in 6.12.117): `_nr_pages_mapped` is updated
 * once per batch ("minimize folio->_nr_pages_mapped updates when batching PTE (un)mapping"), and the
 * deferred-split decision sets PG_partially_mapped. Pagemap bit 56 of a PMD entry is per page (v6.11–v6.14).
 */
export class Linux612 extends Linux610 {
  override readonly id: string = 'linux-6.12'
  override readonly description: StrategyDescription = {
    kernels: 'v6.12–v6.14',
    summary: '_large_mapcount + _nr_pages_mapped updated once per batch; PG_partially_mapped',
    words: {
      'page[0]': '_mapcount (PTE of page 0), flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped, flags (PG_partially_mapped)',
      'page[2]': '_deferred_list',
      'every page': '_mapcount (PTE), flags (PAE)',
    },
    hugetlb: '_entire_mapcount and _large_mapcount in page[1], ±1 each per entry; head _mapcount holds the page type',
  }

  protected override mapPtes(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let first = 0
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) if (++mc[k]! === 0) first++
    f.rmwRange(i, n)
    if (first === 0) return 0
    f.rmw(1)
    return (f.mapped += first) < ENTIRELY_MAPPED ? first : 0
  }

  protected override unmapPtes(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let last = 0
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) if (--mc[k]! < 0) last++
    f.rmwRange(i, n)
    if (last === 0) return 0
    f.rmw(1)
    return (f.mapped -= last) < ENTIRELY_MAPPED ? last : 0
  }

  /** deferred_split_folio(folio, true) sets PG_partially_mapped in page[1].flags and queues on page[2] */
  protected override deferredSplit(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || f.order <= 1) return
    const partially = level === 'pte' ? f.mapped !== 0 : nr < nrPmdmapped
    if (partially && !f.deferred) {
      f.deferred = true
      f.store(1)
      f.store(2)
    }
  }

  /** v6.11–v6.14: every entry of a PMD mapping by its own page's precise mapcount */
  protected override pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean {
    if (f.hugetlb) return f.entire + 1 === 1
    return this.pageMapcountOf(f, i) === 1 && (level === 'pte' || f.entire >= 0)
  }
}

/** linux612 - the v6.12–v6.14 strategy. */
export const linux612 = new Linux612()
