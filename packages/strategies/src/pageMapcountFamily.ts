import type { Level } from '@mmsim/core'
import { ENTIRELY_MAPPED, FOLIO_PAGES_MAPPED, type FolioState } from './folioState.ts'
import { SchemeBase } from './schemeBase.ts'
import { W } from './schemeChunk.ts'

/**
 * PageMapcountFamily - the schemes from v6.2 on that keep per-page `_mapcount` plus `_entire_mapcount` and
 * `_nr_pages_mapped` with the ENTIRELY_MAPPED (v6.2: COMPOUND_MAPPED) flag value (docs/mapcount-schemes.md §2, §3.3).
 * The defaults here are the v6.8–v6.11 rules: `_nr_pages_mapped` updated per newly (un)mapped page, no
 * `_large_mapcount`. Later versions override the hooks ({@link largeAdd}, {@link mapPtes}, …); the per-version
 * folders hold those differences, the shared arithmetic lives here.
 */
export abstract class PageMapcountFamily extends SchemeBase {
  // ---- version hooks -------------------------------------------------------------------------

  /** the `_large_mapcount` update of an add (v6.10+); none before */
  protected largeAdd(_f: FolioState, _d: number, _mm: number): void {}
  /** the `_large_mapcount` update of a remove (v6.10+); none before */
  protected largeSub(_f: FolioState, _d: number, _mm: number): void {}
  /** folio_set_large_mapcount() of a new anon folio mapped @m times (v6.10+) */
  protected setLarge(_f: FolioState, _m: number, _mm: number): void {}

  /** PTE-level add of pages [i, i + n) of a large folio: per-page `_mapcount`, then `_nr_pages_mapped`; pages newly accounted */
  protected mapPtes(f: FolioState, i: number, n: number): number {
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
  }

  /** PTE-level remove; pages newly unaccounted */
  protected unmapPtes(f: FolioState, i: number, n: number): number {
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
  }

  /**
   * deferredSplit - the deferred-split decision after a remove that unaccounted @nr pages
   * (v6.10–v6.11 rule by default: queue when partially mapped and not yet queued).
   */
  protected deferredSplit(f: FolioState, level: Level, nr: number, nrPmdmapped: number): void {
    if (nr === 0 || !f.anon || !f.isLarge || f.order <= 1) return
    const partially = level === 'pte' ? f.mapped !== 0 : nr < nrPmdmapped
    if (partially && !f.deferred) {
      f.deferred = true
      f.store(2) // _deferred_list
    }
  }

  // ---- rmap calls ----------------------------------------------------------------------------

  /** the order-0 rules are the common ones while newAnon/add/remove/dup are these (SchemeBase.applySmall) */
  protected override smallFolioRulesCommon(): boolean {
    const p = PageMapcountFamily.prototype
    return this.newAnon === p.newAnon && this.add === p.add && this.remove === p.remove && this.dup === p.dup
  }

  protected newAnon(f: FolioState, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.w[f.b] = 0
      f.store(0)
      return
    }
    if (level === 'pte') {
      f.fillMapcounts(0)
      f.touchRange(0, f.n)
      f.mapped = f.n
      f.store(1)
      this.setLarge(f, f.n, mm)
    } else {
      f.entire = 0
      f.mapped = ENTIRELY_MAPPED
      f.store(1)
      this.setLarge(f, 1, mm)
    }
  }

  protected add(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!++
        return
      }
      this.mapPtes(f, i, n)
      this.largeAdd(f, n, mm)
      return
    }
    f.rmw(1)
    if (++f.entire === 0) {
      f.rmw(1)
      f.mapped += ENTIRELY_MAPPED
    }
    this.largeAdd(f, 1, mm)
  }

  protected remove(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!--
        return
      }
      this.largeSub(f, n, mm)
      const nr = this.unmapPtes(f, i, n)
      this.deferredSplit(f, level, nr, 0)
      return
    }
    this.largeSub(f, 1, mm)
    f.rmw(1)
    let nr = 0
    let nrPmdmapped = 0
    if (--f.entire < 0) {
      f.rmw(1)
      const v = (f.mapped -= ENTIRELY_MAPPED)
      if (v < ENTIRELY_MAPPED) {
        if (level === 'pmd') nrPmdmapped = f.n
        nr = Math.max(0, f.n - (v & FOLIO_PAGES_MAPPED))
      }
    }
    this.deferredSplit(f, level, nr, nrPmdmapped)
  }

  protected dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      const mc = f.w
      for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]!++
      f.rmwRange(i, n)
      if (f.isLarge) this.largeAdd(f, n, mm)
      return
    }
    f.rmw(1)
    f.entire++
    this.largeAdd(f, 1, mm)
  }

  // ---- queries -------------------------------------------------------------------------------

  /** folio_total_mapcount() (≤ v6.9): O(N) */
  protected totalMapcount(f: FolioState): number {
    let m = f.entire + 1
    if ((f.mapped & FOLIO_PAGES_MAPPED) !== 0) for (let k = f.b, e = f.pi(f.n); k < e; k += W) m += f.w[k]! + 1
    return m
  }

  protected folioMapcountOf(f: FolioState): number {
    if (!f.isLarge) return f.mcOf(0) + 1
    if (f.hugetlb) return f.entire + 1
    return this.totalMapcount(f)
  }

  /** page_mapcount() / folio_precise_page_mapcount(): max(mc + 1, 0) + (large ? entire + 1 : 0) */
  protected pageMapcountOf(f: FolioState, i: number): number {
    const own = Math.max(f.mcOf(i) + 1, 0)
    return f.isLarge ? own + f.entire + 1 : own
  }

  protected nrPagesMappedOf(f: FolioState): number | null {
    return f.entire >= 0 ? f.n : f.mapped & FOLIO_PAGES_MAPPED
  }

  protected partiallyMappedOf(f: FolioState): boolean | null {
    return f.order <= 1 ? null : f.deferred
  }

  protected kpagecountOf(f: FolioState, i: number): number {
    return this.pageMapcountOf(f, i)
  }

  /** pagemap bit 56: PTE by the page's own count; PMD by the head's count for all entries (≤ v6.10, v6.15+) */
  protected pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean {
    if (f.hugetlb) return this.pageMapcountOf(f, 0) === 1
    return this.pageMapcountOf(f, level === 'pte' ? i : 0) === 1
  }

  /**
   * §8.3 for v6.2+ with per-page mapcounts: `mapped & FOLIO_PAGES_MAPPED` counts the pages with
   * `_mapcount ≥ 0`; `mapped ≥ ENTIRELY_MAPPED` ⇔ `entire ≥ 0`; HugeTLB never touches `mapped`; with
   * `_large_mapcount` (v6.10+): large + 1 = (entire + 1) + Σ (mc + 1) (HugeTLB: large = entire); PAE set ⇒
   * the page is mapped at most once.
   */
  protected override invariantsOf(f: FolioState): string[] {
    const bad: string[] = []
    if (!f.isLarge) return bad
    if (f.hugetlb) {
      if (f.mapped !== 0) bad.push(`HugeTLB _nr_pages_mapped ${f.mapped} ≠ 0`)
      if (this.hugetlbLarge && f.large !== f.entire) bad.push(`HugeTLB _large_mapcount ${f.large} ≠ _entire_mapcount ${f.entire}`)
      return bad
    }
    let ptePages = 0
    let sum = 0
    for (let k = 0; k < f.n; k++) {
      const c = f.mcOf(k)
      if (c >= 0) ptePages++
      sum += c + 1
      if (f.paeOf(k) && (c > 0 || f.entire > 0)) bad.push(`page ${k} is PageAnonExclusive but mapped ${c + 1 + f.entire + 1} times`)
    }
    if ((f.mapped & FOLIO_PAGES_MAPPED) !== ptePages) bad.push(`_nr_pages_mapped counts ${f.mapped & FOLIO_PAGES_MAPPED} PTE-mapped pages, ${ptePages} have _mapcount ≥ 0`)
    if ((f.mapped >= ENTIRELY_MAPPED) !== (f.entire >= 0)) bad.push(`ENTIRELY_MAPPED ${f.mapped >= ENTIRELY_MAPPED} but _entire_mapcount ${f.entire}`)
    if (this.tracksLarge() && f.large + 1 !== f.entire + 1 + sum) bad.push(`_large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) = ${f.entire + 1 + sum}`)
    return bad
  }

  /** does this version keep `_large_mapcount` (v6.10+)? */
  protected tracksLarge(): boolean {
    return this.hugetlbLarge
  }

  /** an order-0 folio is clean exactly when its `_mapcount` is −1 while freeCheckOf is this one (SchemeBase.smallFreeCheckCommon) */
  protected override smallFreeCheckCommon(): boolean {
    return this.freeCheckOf === PageMapcountFamily.prototype.freeCheckOf
  }

  protected freeCheckOf(f: FolioState): string | null {
    for (let k = 0; k < f.n; k++) if (f.mcOf(k) !== -1) return `nonzero mapcount (page ${k}: ${f.mcOf(k) + 1})`
    if (f.isLarge && f.entire !== -1) return 'nonzero entire_mapcount'
    if (f.mapped !== 0) return 'nonzero nr_pages_mapped'
    if (f.large !== -1) return 'nonzero large_mapcount'
    return null
  }
}
