import { ENTIRELY_MAPPED, type FolioState } from '../folioState.ts'
import { W } from '../schemeChunk.ts'
import type { NrPagesMappedRule } from './pageMapcountRules.ts'

/**
 * NR_PAGES_MAPPED_PER_PAGE - v6.2–v6.11 (docs/mapcount-schemes.md §2, §3.3): each page whose `_mapcount`
 * goes −1 → 0 (0 → −1) is one atomic_inc_return (dec) of `_nr_pages_mapped`; it counts toward the
 * NR_*_MAPPED stats only while the folio is not also entirely mapped.
 */
export const NR_PAGES_MAPPED_PER_PAGE: NrPagesMappedRule = {
  map(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let nr = 0
    let first = 0
    let mapped = f.mapped
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) {
      if (++mc[k]! === 0) {
        first++ // atomic_inc_return(&_nr_pages_mapped) for this page
        if (++mapped < ENTIRELY_MAPPED) nr++
      }
    }
    f.mapped = mapped
    f.rmwRange(i, n)
    if (first > 0) f.rmwRange(1, 1)
    f.atomics += first > 0 ? first - 1 : 0
    return nr
  },
  unmap(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let nr = 0
    let last = 0
    let mapped = f.mapped
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) {
      if (--mc[k]! < 0) {
        last++ // atomic_dec_return(&_nr_pages_mapped) for this page
        if (--mapped < ENTIRELY_MAPPED) nr++
      }
    }
    f.mapped = mapped
    f.rmwRange(i, n)
    if (last > 0) f.rmwRange(1, 1)
    f.atomics += last > 0 ? last - 1 : 0
    return nr
  },
}

/**
 * NR_PAGES_MAPPED_PER_BATCH - v6.12+ ("minimize folio->_nr_pages_mapped updates when batching PTE
 * (un)mapping", docs/mapcount-schemes.md §3.3, verified in 6.12.117): the pages of one batch whose
 * `_mapcount` went −1 → 0 (0 → −1) are added to (subtracted from) `_nr_pages_mapped` in one atomic.
 */
export const NR_PAGES_MAPPED_PER_BATCH: NrPagesMappedRule = {
  map(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let first = 0
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) if (++mc[k]! === 0) first++
    f.rmwRange(i, n)
    if (first === 0) return 0
    f.rmw(1)
    return (f.mapped += first) < ENTIRELY_MAPPED ? first : 0
  },
  unmap(f: FolioState, i: number, n: number): number {
    const mc = f.w
    let last = 0
    for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) if (--mc[k]! < 0) last++
    f.rmwRange(i, n)
    if (last === 0) return 0
    f.rmw(1)
    return (f.mapped -= last) < ENTIRELY_MAPPED ? last : 0
  },
}
