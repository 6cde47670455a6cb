import type { EventOp } from '../eventOp.ts'
import type { FolioState } from '../folioState.ts'
import type { SchemeState } from '../schemeState.ts'
import type { HugetlbRule } from './pageMapcountRules.ts'
import { precisePageMapcount } from './pageMapcount.ts'

/**
 * hugetlbEntireAdd - 6.18's hugetlb_add_new_anon_rmap() (@mode newAnon: `_entire_mapcount` := 0, plus the
 * anon mapping and index in page[0]) or hugetlb_add_{anon,file}_rmap(): `_entire_mapcount` + 1; with
 * @large (v6.10+) `_large_mapcount` beside it.
 */
export function hugetlbEntireAdd(f: FolioState, mode: 'newAnon' | 'anon' | 'file', large: boolean): void {
  if (mode === 'newAnon') {
    f.entire = 0
    f.store(1)
    if (large) f.large = 0
    f.store(0) // anon mapping, index
    return
  }
  f.entire++
  f.rmw(1)
  if (large) {
    f.large++
    f.rmw(1)
  }
}

/** hugetlbEntireRemove - hugetlb_remove_rmap(): `_entire_mapcount` − 1 (and `_large_mapcount` with @large, v6.10+) */
export function hugetlbEntireRemove(f: FolioState, large: boolean): void {
  f.entire--
  f.rmw(1)
  if (large) {
    f.large--
    f.rmw(1)
  }
}

/**
 * noHgmRule - the notice of a scheme @id that has no rule for an HGM entry: Linux has no HGM, so it is
 * counted the only way a Linux kernel counts a HugeTLB mapping, by @call on the whole folio; its
 * folio_mapcount() stays exact (one per entry), its per-page and entire counts are not answerable (NO_HGM_RULE).
 */
export function noHgmRule(s: SchemeState, e: EventOp, id: string, call: 'hugetlb_add_file_rmap()' | 'hugetlb_remove_rmap()'): void {
  s.noRule(e.type, `${id} has no rule for HGM (no Linux kernel has it): counted as ${call} of the whole folio`, e)
}

/** hugetlbPagesMappedWhole - pages mapped: all while an entry maps the folio whole (the only way Linux maps one), else none */
export const hugetlbPagesMappedWhole = (f: FolioState): number => (f.entire >= 0 ? f.n : 0)

/** hugetlbNrPagesMappedUnused - a HugeTLB folio never touches `_nr_pages_mapped` */
export const hugetlbNrPagesMappedUnused = (f: FolioState): string[] => (f.mapped !== 0 ? [`HugeTLB _nr_pages_mapped ${f.mapped} ≠ 0`] : [])

/**
 * HUGETLB_ENTIRE - v6.2–v6.9: one `_entire_mapcount` per huge-size entry (hugetlb_add/remove/dup_*_rmap),
 * nothing else; folio_mapcount = `_entire_mapcount` + 1; pagemap bit 56 by the head's page_mapcount().
 */
export const HUGETLB_ENTIRE: HugetlbRule = {
  add: (f, mode) => hugetlbEntireAdd(f, mode, false),
  remove: (f) => hugetlbEntireRemove(f, false),
  hgmAdd(s, f, _i, _n, e, id) {
    noHgmRule(s, e, id, 'hugetlb_add_file_rmap()')
    hugetlbEntireAdd(f, 'file', false)
  },
  hgmRemove(s, f, _i, _n, e, id) {
    noHgmRule(s, e, id, 'hugetlb_remove_rmap()')
    hugetlbEntireRemove(f, false)
  },
  folioMapcount: (f) => f.entire + 1,
  pageMapcount: precisePageMapcount,
  pagesMapped: hugetlbPagesMappedWhole,
  pagemapExclusive: (f) => precisePageMapcount(f, 0) === 1,
  invariants: hugetlbNrPagesMappedUnused,
}

/**
 * HUGETLB_ENTIRE_AND_LARGE - v6.10+ (6.18 on this machine): `_entire_mapcount` and `_large_mapcount` in
 * page[1], ±1 each per huge-size entry (plain atomics, no MM-owner slots; the head's `_mapcount` holds the
 * page type); folio_mapcount = `_large_mapcount` + 1; pagemap bit 56 = !folio_maybe_mapped_shared()
 * (mapped once; PMD-table sharing is not modelled).
 */
export const HUGETLB_ENTIRE_AND_LARGE: HugetlbRule = {
  add: (f, mode) => hugetlbEntireAdd(f, mode, true),
  remove: (f) => hugetlbEntireRemove(f, true),
  hgmAdd(s, f, _i, _n, e, id) {
    noHgmRule(s, e, id, 'hugetlb_add_file_rmap()')
    hugetlbEntireAdd(f, 'file', true)
  },
  hgmRemove(s, f, _i, _n, e, id) {
    noHgmRule(s, e, id, 'hugetlb_remove_rmap()')
    hugetlbEntireRemove(f, true)
  },
  folioMapcount: (f) => f.large + 1,
  pageMapcount: precisePageMapcount,
  pagesMapped: hugetlbPagesMappedWhole,
  pagemapExclusive: (f) => f.entire + 1 === 1,
  invariants: (f) => {
    const bad = hugetlbNrPagesMappedUnused(f)
    if (f.large !== f.entire) bad.push(`HugeTLB _large_mapcount ${f.large} ≠ _entire_mapcount ${f.entire}`)
    return bad
  },
}
