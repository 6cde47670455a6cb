import type { Level } from '@mmsim/core'
import type { EventOp } from './eventOp.ts'
import { ENTIRELY_MAPPED, FOLIO_PAGES_MAPPED, type FolioState } from './folioState.ts'
import type { PageMapcountRules } from './mapcountRules/pageMapcountRules.ts'
import { precisePageMapcount } from './mapcountRules/pageMapcount.ts'
import type { RmapEra } from './rmapCalls.ts'
import { SchemeBase } from './schemeBase.ts'
import { W } from './schemeChunk.ts'
import type { SchemeState } from './schemeState.ts'
import type { StrategyDescription, StrategyPrecision } from './strategy.ts'

/** PageMapcountSchemeDef - one scheme of the per-page `_mapcount` family: its id, what it is, and its complete rule table. */
export interface PageMapcountSchemeDef {
  readonly id: string
  readonly description: StrategyDescription
  readonly precision: StrategyPrecision
  readonly rules: PageMapcountRules
}

/**
 * PageMapcountScheme - a scheme of the family from v6.2 on that keeps per-page `_mapcount` plus
 * `_entire_mapcount` and `_nr_pages_mapped` with the ENTIRELY_MAPPED (v6.2: COMPOUND_MAPPED) flag value
 * (docs/mapcount-schemes.md §2, §3.3), run by its rule table ({@link PageMapcountRules}): the rmap calls
 * here are what all of them share and call the table for the rest, so a scheme's folder (its
 * {@link PageMapcountSchemeDef}) is the whole answer to "what does it do on Y".
 *
 * Shared by the family: an order-0 folio's `_mapcount` ±1 (:= 0 for a new anon folio); a PTE of a large
 * folio in its page's `_mapcount` and `_nr_pages_mapped` (rules.nrPagesMapped), a PMD/PUD in
 * `_entire_mapcount` with ENTIRELY_MAPPED added on the first and taken on the last; every map and unmap
 * also `_large_mapcount` (rules.largeMapcount), an unmap then the deferred-split decision
 * (rules.deferredSplit); fork's dup adds to `_mapcount` / `_entire_mapcount` without `_nr_pages_mapped`.
 * Queries: page_mapcount = kpagecount = max(`_mapcount` + 1, 0) + `_entire_mapcount` + 1; pages mapped =
 * N while entirely mapped, else `_nr_pages_mapped`; HugeTLB folios wholly by rules.hugetlb.
 */
export class PageMapcountScheme extends SchemeBase {
  readonly id: string
  readonly description: StrategyDescription
  readonly precision: StrategyPrecision
  /** the scheme's rule table */
  readonly rules: PageMapcountRules
  protected readonly hugetlbLarge: boolean
  protected override readonly rmapEra: RmapEra

  constructor(def: PageMapcountSchemeDef) {
    super()
    this.id = def.id
    this.description = def.description
    this.precision = def.precision
    this.rules = def.rules
    this.hugetlbLarge = def.rules.largeMapcount.tracked
    this.rmapEra = def.rules.rmapEra
  }

  override init(): SchemeState {
    const fresh = this.rules.hugetlb.newState
    if (fresh === undefined) return super.init()
    const s = fresh()
    s.smallRules = this.smallFolioRulesCommon()
    s.smallFree = this.smallFreeCheckCommon()
    return s
  }

  /** the order-0 rules are the common ones while newAnon/add/remove/dup are these (SchemeBase.applySmall) */
  protected override smallFolioRulesCommon(): boolean {
    const p = PageMapcountScheme.prototype
    return this.newAnon === p.newAnon && this.add === p.add && this.remove === p.remove && this.dup === p.dup
  }

  /** an order-0 folio is clean exactly when its `_mapcount` is −1 while freeCheckOf is this one (rules.largeMapcount.freeCheck reports nothing on one) */
  protected override smallFreeCheckCommon(): boolean {
    return this.freeCheckOf === PageMapcountScheme.prototype.freeCheckOf
  }

  // ---- rmap calls ----------------------------------------------------------------------------

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
      this.rules.largeMapcount.set(f, f.n, mm)
    } else {
      f.entire = 0
      f.mapped = ENTIRELY_MAPPED
      f.store(1)
      this.rules.largeMapcount.set(f, 1, mm)
    }
  }

  protected add(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    const r = this.rules
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!++
        return
      }
      r.nrPagesMapped.map(f, i, n)
      r.largeMapcount.add(f, n, mm)
      return
    }
    f.rmw(1)
    if (++f.entire === 0) {
      f.rmw(1)
      f.mapped += ENTIRELY_MAPPED
    }
    r.largeMapcount.add(f, 1, mm)
  }

  protected remove(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    const r = this.rules
    if (level === 'pte') {
      if (!f.isLarge) {
        f.rmw(0)
        f.w[f.b]!--
        return
      }
      r.largeMapcount.sub(f, n, mm)
      const nr = r.nrPagesMapped.unmap(f, i, n)
      r.deferredSplit.queue(f, level, nr, 0)
      return
    }
    r.largeMapcount.sub(f, 1, mm)
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
    r.deferredSplit.queue(f, level, nr, nrPmdmapped)
  }

  protected dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') {
      const mc = f.w
      for (let k = f.pi(i), e = f.pi(i + n); k < e; k += W) mc[k]!++
      f.rmwRange(i, n)
      if (f.isLarge) this.rules.largeMapcount.add(f, n, mm)
      return
    }
    f.rmw(1)
    f.entire++
    this.rules.largeMapcount.add(f, 1, mm)
  }

  protected override hugetlbAdd(f: FolioState, mode: 'newAnon' | 'anon' | 'file'): void {
    this.rules.hugetlb.add(f, mode)
  }

  protected override hugetlbRemove(f: FolioState): void {
    this.rules.hugetlb.remove(f)
  }

  protected override hgmAdd(s: SchemeState, f: FolioState, i: number, n: number, e: EventOp): void {
    this.rules.hugetlb.hgmAdd(s, f, i, n, e, this.id)
  }

  protected override hgmRemove(s: SchemeState, f: FolioState, i: number, n: number, e: EventOp): void {
    this.rules.hugetlb.hgmRemove(s, f, i, n, e, this.id)
  }

  // ---- queries -------------------------------------------------------------------------------

  protected folioMapcountOf(f: FolioState): number {
    if (!f.isLarge) return f.mcOf(0) + 1
    if (f.hugetlb) return this.rules.hugetlb.folioMapcount(f)
    return this.rules.folioMapcount(f)
  }

  protected pageMapcountOf(f: FolioState, i: number): number {
    return f.hugetlb ? this.rules.hugetlb.pageMapcount(f, i) : precisePageMapcount(f, i)
  }

  protected nrPagesMappedOf(f: FolioState): number | null {
    return f.entire >= 0 ? f.n : f.mapped & FOLIO_PAGES_MAPPED
  }

  protected override hugetlbPagesMappedOf(f: FolioState): number | null {
    return this.rules.hugetlb.pagesMapped(f)
  }

  protected mappedSharedOf(f: FolioState): boolean {
    return this.rules.mappedShared(f)
  }

  protected partiallyMappedOf(f: FolioState): boolean | null {
    return this.rules.deferredSplit.partiallyMapped(f)
  }

  protected kpagecountOf(f: FolioState, i: number): number {
    return this.pageMapcountOf(f, i)
  }

  protected pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean {
    return f.hugetlb ? this.rules.hugetlb.pagemapExclusive(f, i, level) : this.rules.pagemapExclusive(f, i, level)
  }

  /**
   * §8.3 for v6.2+ with per-page mapcounts: `mapped & FOLIO_PAGES_MAPPED` counts the pages with
   * `_mapcount ≥ 0`; `mapped ≥ ENTIRELY_MAPPED` ⇔ `entire ≥ 0`; with `_large_mapcount` (v6.10+):
   * large + 1 = (entire + 1) + Σ (mc + 1); PAE set ⇒ the page is mapped at most once; then the
   * `_large_mapcount` rule's own (MM-owner slots). HugeTLB folios: rules.hugetlb.invariants.
   */
  protected override invariantsOf(f: FolioState): string[] {
    const bad: string[] = []
    if (!f.isLarge) return bad
    if (f.hugetlb) return this.rules.hugetlb.invariants(f)
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
    if (this.rules.largeMapcount.tracked && f.large + 1 !== f.entire + 1 + sum) bad.push(`_large_mapcount + 1 = ${f.large + 1} ≠ (entire + 1) + Σ(mc + 1) = ${f.entire + 1 + sum}`)
    return bad.concat(this.rules.largeMapcount.invariants(f))
  }

  protected freeCheckOf(f: FolioState): string | null {
    for (let k = 0; k < f.n; k++) if (f.mcOf(k) !== -1) return `nonzero mapcount (page ${k}: ${f.mcOf(k) + 1})`
    if (f.isLarge && f.entire !== -1) return 'nonzero entire_mapcount'
    if (f.mapped !== 0) return 'nonzero nr_pages_mapped'
    if (f.large !== -1) return 'nonzero large_mapcount'
    return this.rules.largeMapcount.freeCheck(f)
  }
}
