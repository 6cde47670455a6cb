import type { FolioState } from '../folioState.ts'
import { HgmV2ThpLike } from '../hgm-v2-thp-like/hgmV2ThpLike.ts'
import type { StrategyDescription, StrategyPrecision } from '../strategy.ts'

/**
 * HgmV1 - HGM v1's mapcounts as issue 10 summarises them ("subpage mapcounts for every HGM mapping"; v1:
 * https://lore.kernel.org/linux-mm/20230105101844.1893104-1-jthoughton@google.com/, named in seed 000's
 * "Old versions"; docs/mapcount-schemes.md §11.1): every entry mapping a HugeTLB folio, huge-size or high-
 * granularity, is counted in the `_mapcount` of every subpage it covers — a huge-size entry in all N — as
 * ≤ v6.1 counted a PMD-mapped file THP; huge-size entries also in `_entire_mapcount`, every entry in
 * `_large_mapcount`. Model-only; the v1 patches themselves were not read (the rule is the summary).
 * Queries (exact): folio_mapcount = `_large_mapcount` + 1; page_mapcount(i) = `_mapcount`[i] + 1 (it already
 * holds the huge-size entries); kpagecount = page_mapcount.
 * Struct-page words: every subpage's `_mapcount` on every HugeTLB map and unmap — N struct pages per
 * huge-size entry, so with HVO on even a plain 2 MiB mapping writes 448 (6.18) read-only struct pages.
 */
export class HgmV1 extends HgmV2ThpLike {
  override readonly id: string = 'hgm-v1'
  override readonly description: StrategyDescription = {
    kernels: 'HGM v1 proposal (Jan 2023, never merged) on the 6.18 scheme; seed 000 (old versions)',
    summary: 'HGM v1: every HugeTLB entry counted in the _mapcount of every subpage it covers (huge-size: all N); incompatible with HVO',
    words: {
      'page[0]': '_mapcount, flags (PAE), mapping, index',
      'page[1]': '_large_mapcount, _entire_mapcount, _nr_pages_mapped, _mm_id_mapcount[2], _mm_ids (non-HugeTLB)',
      'every page': '_mapcount on every HugeTLB map/unmap (all N for a huge-size entry), PTE of a THP; flags (PAE)',
      'mm_struct': 'mm_id (read)',
    },
    hugetlb: 'every entry: _mapcount of every subpage it covers + _large_mapcount; huge-size entries also _entire_mapcount; an HGM PMD inside a 1G page: its 512 subpages (inferred: v1 counts every entry in the subpages it covers)',
    source: 'James Houghton, "[PATCH 00/46] hugetlb: introduce HugeTLB high-granularity mapping" (v1, 5 Jan 2023), https://lore.kernel.org/linux-mm/20230105101844.1893104-1-jthoughton@google.com/ — its mapcounts as issue 10 summarises them',
  }
  override readonly precision: StrategyPrecision = { mappedShared: 'maybe', partiallyMapped: 'maybe' }

  protected override hugetlbAdd(f: FolioState, mode: 'newAnon' | 'anon' | 'file'): void {
    super.hugetlbAdd(f, mode)
    if (mode === 'newAnon') {
      f.fillMapcounts(0)
      f.touchRange(0, f.n)
    } else this.subpageMapcounts(f, 0, f.n, 1)
  }

  protected override hugetlbRemove(f: FolioState): void {
    super.hugetlbRemove(f)
    this.subpageMapcounts(f, 0, f.n, -1)
  }

  protected override pageMapcountOf(f: FolioState, i: number): number {
    if (f.hugetlb) return Math.max(f.mcOf(i) + 1, 0)
    return super.pageMapcountOf(f, i)
  }

  protected override hugetlbPagesMappedOf(f: FolioState): number | null {
    let m = 0
    for (let k = 0; k < f.n; k++) if (f.mcOf(k) >= 0) m++
    return m
  }

  /** HugeTLB: Σ (mc + 1) = N · (entire + 1) + Σ pages of the HGM entries, so large + 1 = (entire + 1) + Σ(mc + 1) − N · (entire + 1) */
  protected override invariantsOf(f: FolioState): string[] {
    if (!f.hugetlb) return super.invariantsOf(f)
    let sum = 0
    for (let k = 0; k < f.n; k++) sum += f.mcOf(k) + 1
    const e = f.entire + 1
    const want = e + sum - f.n * e
    return f.large + 1 === want ? [] : [`HugeTLB _large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) − N·(entire + 1) = ${want}`]
  }
}

/** hgmV1 - the HGM v1 strategy. */
export const hgmV1 = new HgmV1()
