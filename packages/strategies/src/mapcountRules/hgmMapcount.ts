import type { FolioState } from '../folioState.ts'
import { PageTableCounts, rangeKey } from '../pageTableCounts.ts'
import { W } from '../schemeChunk.ts'
import { HUGETLB_ENTIRE_AND_LARGE, hugetlbEntireAdd, hugetlbEntireRemove, hugetlbNrPagesMappedUnused } from './hugetlbMapcount.ts'
import type { HugetlbRule } from './pageMapcountRules.ts'
import { precisePageMapcount } from './pageMapcount.ts'

/**
 * The HugeTLB rules of the HGM proposals (docs/mapcount-schemes.md §11; model-only: no HGM series was
 * merged). Every other folio keeps the rules of the 6.18 scheme the proposals were written against.
 */

/** subpageMapcounts - the `_mapcount` of pages [i, i + n) of @f += @d (one RMW each: every struct page written) */
export function subpageMapcounts(f: FolioState, i: number, n: number, d: number): void {
  const mc = f.w
  for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]! += d
  f.rmwRange(i, n)
}

/** the subpages with `_mapcount` ≥ 0 (O(N)) */
function subpagesMapped(f: FolioState): number {
  let m = 0
  for (let k = 0; k < f.n; k++) if (f.mcOf(k) >= 0) m++
  return m
}

/** Σ (subpage `_mapcount` + 1) */
function subpageMapcountSum(f: FolioState): number {
  let sum = 0
  for (let k = 0; k < f.n; k++) sum += f.mcOf(k) + 1
  return sum
}

/**
 * HUGETLB_HGM_THP_LIKE - HGM v2 ("Changed mapcount to be more THP-like", seed 000): a huge-size entry in
 * `_entire_mapcount` and `_large_mapcount` (as 6.18); a high-granularity entry (4 KiB PTE; 2 MiB PMD inside
 * a 1 GiB page) mapping pages [i, i + n) in the `_mapcount` of each of those subpages (THP-like: no
 * `_nr_pages_mapped`) and in `_large_mapcount` so folio_mapcount() stays O(1). Queries, all exact:
 * folio_mapcount = `_large_mapcount` + 1; page_mapcount(i) = (`_mapcount`[i] + 1) + (`_entire_mapcount` + 1);
 * pages mapped = N while an entry maps it whole, else the subpages with `_mapcount` ≥ 0; pagemap bit 56 by
 * the entry's page (4 KiB entries) or the head (huge-size). Subpage writes land in struct pages HVO made
 * read-only: the HVO conflict.
 */
export const HUGETLB_HGM_THP_LIKE: HugetlbRule = {
  add: HUGETLB_ENTIRE_AND_LARGE.add,
  remove: HUGETLB_ENTIRE_AND_LARGE.remove,
  hgmAdd(_s, f, i, n) {
    subpageMapcounts(f, i, n, 1)
    f.large++
    f.rmw(1)
  },
  hgmRemove(_s, f, i, n) {
    subpageMapcounts(f, i, n, -1)
    f.large--
    f.rmw(1)
  },
  folioMapcount: (f) => f.large + 1,
  pageMapcount: precisePageMapcount,
  pagesMapped: (f) => (f.entire >= 0 ? f.n : subpagesMapped(f)),
  pagemapExclusive: (f, i, level) => precisePageMapcount(f, level === 'pte' ? i : 0) === 1,
  /** §8.3 plus: `_large_mapcount` + 1 = (entire + 1) + Σ (subpage `_mapcount` + 1) */
  invariants(f) {
    const bad = hugetlbNrPagesMappedUnused(f)
    const sum = subpageMapcountSum(f)
    if (f.large + 1 !== f.entire + 1 + sum) bad.push(`HugeTLB _large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) = ${f.entire + 1 + sum}`)
    return bad
  },
}

/** page_mapcount() under HGM v1: the subpage's own `_mapcount` + 1 (it already holds the huge-size entries) */
const everySubpagePageMapcount = (f: FolioState, i: number): number => Math.max(f.mcOf(i) + 1, 0)

/**
 * HUGETLB_HGM_EVERY_SUBPAGE - HGM v1 as issue 10 summarises it ("subpage mapcounts for every HGM mapping";
 * docs/mapcount-schemes.md §11.1): every entry, huge-size or high-granularity, in the `_mapcount` of every
 * subpage it covers — a huge-size entry in all N, as ≤ v6.1 counted a PMD-mapped file THP; huge-size
 * entries also in `_entire_mapcount`, every entry in `_large_mapcount`. Queries (exact): folio_mapcount =
 * `_large_mapcount` + 1; page_mapcount(i) = `_mapcount`[i] + 1; pages mapped = the subpages with
 * `_mapcount` ≥ 0. N struct pages per huge-size entry: with HVO even a plain 2 MiB mapping writes
 * read-only struct pages.
 */
export const HUGETLB_HGM_EVERY_SUBPAGE: HugetlbRule = {
  add(f, mode) {
    hugetlbEntireAdd(f, mode, true)
    if (mode === 'newAnon') {
      f.fillMapcounts(0)
      f.touchRange(0, f.n)
    } else subpageMapcounts(f, 0, f.n, 1)
  },
  remove(f) {
    hugetlbEntireRemove(f, true)
    subpageMapcounts(f, 0, f.n, -1)
  },
  hgmAdd: HUGETLB_HGM_THP_LIKE.hgmAdd,
  hgmRemove: HUGETLB_HGM_THP_LIKE.hgmRemove,
  folioMapcount: (f) => f.large + 1,
  pageMapcount: everySubpagePageMapcount,
  pagesMapped: subpagesMapped,
  pagemapExclusive: (f, i, level) => everySubpagePageMapcount(f, level === 'pte' ? i : 0) === 1,
  /** Σ (mc + 1) = N · (entire + 1) + Σ pages of the HGM entries, so large + 1 = (entire + 1) + Σ(mc + 1) − N · (entire + 1) */
  invariants(f) {
    const e = f.entire + 1
    const want = e + subpageMapcountSum(f) - f.n * e
    return f.large + 1 === want ? [] : [`HugeTLB _large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) − N·(entire + 1) = ${want}`]
  },
}

/**
 * HUGETLB_HGM_HSTATE_ONCE - the plan after HGM v2 (seed 000: "Change the mapcount scheme to make HGM and
 * HVO compatible again"; docs/mapcount-schemes.md §11.3): a HugeTLB folio is counted once per hstate-level
 * mapping — per (process, hstate-aligned virtual range) — whatever the granularity of the entries inside:
 * the first HGM entry of a range adds one `_entire_mapcount`/`_large_mapcount` (as a huge-size entry does),
 * further ones touch no struct page (the walk sees the range mapped: a count of the page table, kept beside
 * the state, {@link PageTableCounts}), the last one leaving takes it away. Queries as 6.18's, which makes
 * them counts of mappings, not of entries, on HGM-mapped folios. page[1] only: HVO-compatible.
 */
export const HUGETLB_HGM_HSTATE_ONCE: HugetlbRule = {
  ...HUGETLB_ENTIRE_AND_LARGE,
  hgmAdd(s, f, _i, _n, e) {
    if ((s as PageTableCounts).bump(rangeKey(e.pid, e.vpn, f.order), 1) === 1) hugetlbEntireAdd(f, 'file', true)
  },
  hgmRemove(s, f, _i, _n, e) {
    if ((s as PageTableCounts).bump(rangeKey(e.pid, e.vpn, f.order), -1) === 0) hugetlbEntireRemove(f, true)
  },
  newState: () => new PageTableCounts(),
}
