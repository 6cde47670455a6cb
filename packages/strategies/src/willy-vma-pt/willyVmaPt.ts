import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, type Level } from '@mmsim/core'
import { OP, type EventOp } from '../eventOp.ts'
import type { FolioState } from '../folioState.ts'
import { rangeKey } from '../pageTableCounts.ts'
import { SchemeBase } from '../schemeBase.ts'
import { SCHEME_CHUNK_MASK, W } from '../schemeChunk.ts'
import { SchemeState } from '../schemeState.ts'
import type { StrategyDescription, StrategyPrecision, TruthView } from '../strategy.ts'

const C_folio_split = OP['folio/split']
const C_folio_migrated = OP['folio/migrated']
const C_folio_freed = OP['folio/freed']
const C_hugetlb_poolShrunk = OP['hugetlb/poolShrunk']
const C_hugetlb_anonDuplicated = OP['hugetlb/anonDuplicated']
/** the tag of a key naming "some page table of this process" (after a folio split: the tables are not known) */
const TAG_UNKNOWN_TABLE = 7

/**
 * TablesPerFolio - the scheme state plus, per large folio (by head PFN), how many entries each page table
 * maps of it: (process, table level, table index) -> entries. It is page-table knowledge (the kernel's
 * rmap walk of one page table sees whether another entry of it maps the folio), not a struct page word.
 * Snapshots copy it (O(entries)); a folio's first mapping allocates its map (this scheme is not for the
 * hot replay of huge traces).
 */
class TablesPerFolio extends SchemeState {
  tables = new Map<number, Map<number, number>>()

  override clone(): SchemeState {
    const c = super.clone()
    Object.setPrototypeOf(c, TablesPerFolio.prototype)
    ;(c as TablesPerFolio).tables = new Map([...this.tables].map(([k, m]) => [k, new Map(m)]))
    return c
  }
}

/**
 * WillyVmaPt - Matthew Wilcox's proposal (linux-mm, Jan 2023, "folio mapcount"; docs/mapcount-schemes.md
 * §11.4): "a single mapcount per folio, and its definition is the number of (vma, page table) tuples which
 * have a reference to any pages in this folio" — a PMD-mapped THP counts 1, splitting the PMD into PTEs
 * keeps it 1 (one page table), a folio mapped across a page-table boundary counts 2, fork adds the child's
 * tables. No per-page mapcount for large folios. Model-only: proposed, never implemented.
 *
 * Rules (large folios): an rmap add (PTE batch, PMD, HugeTLB entry, HGM entry) in page table T of process p:
 * if T mapped no page of the folio before, the folio's count (modelled in the `_large_mapcount` word of
 * page[1]) +1, else no struct page write; removal of T's last entry of the folio: −1. VMAs are approximated
 * by processes (mmsim keeps no VMA in the schemes; two VMAs of one process in one page table count once).
 * After a folio split the new folios' tables are not known: each process mapping a new folio counts as one
 * table (documented approximation). Small folios keep their `_mapcount` (exact).
 * Queries: folio_mapcount = (VMA, page table) tuples — an estimate of the truth's entries (equal for a
 * PMD-mapped THP, lower for a PTE-mapped one); page_mapcount not tracked (null); entire mapcount not
 * answerable (reads 0); kpagecount = the tuple count for every page (estimate); pages mapped not tracked;
 * folio_maybe_mapped_shared = tuples > 1 ("maybe": two processes are at least two tables); deferred split
 * not decided (null).
 * Struct-page words: page[1] only, and only when a page table starts or stops mapping the folio — for
 * HugeTLB compatible with HVO.
 */
class WillyVmaPt extends SchemeBase {
  readonly id: string = 'willy-vma-pt'
  readonly description: StrategyDescription = {
    kernels: 'proposal (Matthew Wilcox, Jan 2023, never implemented)',
    summary: 'one mapcount per folio: the (VMA, page table) tuples that map any of its pages; no per-page mapcounts',
    words: {
      'page[0]': 'flags (PAE), mapping, index; _mapcount of an order-0 folio',
      'page[1]': 'the folio mapcount (in _large_mapcount), written when a page table starts or stops mapping the folio',
      'every page': 'flags (PAE) only',
      'page tables': 'whether another entry of the same table maps the folio (read by the rmap walk)',
    },
    hugetlb: 'one count per (VMA, page table) mapping the folio, HGM tables included (an HGM PMD lives in the PMD table under the PUD, a 4K entry in its PTE table: inferred from the tuple definition): page[1] only, compatible with HVO',
    source: 'Matthew Wilcox, "folio mapcount" (linux-mm, Jan 2023), http://mail.spinics.net/lists/linux-mm/msg325665.html',
  }
  readonly precision: StrategyPrecision = {
    mappedShared: 'maybe', partiallyMapped: 'none', folioMapcount: 'estimate', entireMapcount: 'none', kpagecount: 'estimate',
  }
  protected readonly hugetlbLarge = true

  override init(): SchemeState {
    return new TablesPerFolio()
  }

  private st: TablesPerFolio | null = null

  override applyOp(s: SchemeState, e: EventOp, truth: TruthView): void {
    const t = s as TablesPerFolio
    this.st = t
    // the folio's tables go with it (a split rebuilds its pieces below; freed and migrated folios are unmapped)
    const c = e.code
    if (c === C_folio_split || c === C_folio_migrated || c === C_folio_freed || c === C_hugetlb_poolShrunk) t.tables.delete(e.folio)
    super.applyOp(s, e, truth)
  }

  /** the head PFN of @f: the event's folio, or during a split's rebuild the new piece (same chunk: order ≤ 12) */
  private headOf(f: FolioState): number {
    const e = this.cur
    if (e.code !== C_folio_split) return e.folio
    return e.folio - (e.folio & SCHEME_CHUNK_MASK) + f.b / W
  }

  /** the page table of the current event's entry at @level in process @pid (after a split: "some table of pid") */
  private tableOf(pid: number, level: Level): number {
    const e = this.cur
    if (e.code === C_folio_split) return rangeKey(pid, 0, 0, TAG_UNKNOWN_TABLE)
    const shift = level === 'pte' ? HPAGE_PMD_ORDER : level === 'pmd' ? HPAGE_PUD_ORDER : HPAGE_PUD_ORDER + HPAGE_PMD_ORDER
    return rangeKey(pid, e.vpn, shift, level === 'pte' ? 0 : level === 'pmd' ? 1 : 2)
  }

  /** @d entries of table @table now map large folio @f: the count moves when the table starts / stops mapping it */
  private entries(f: FolioState, table: number, d: number, pid: number): void {
    const head = this.headOf(f)
    const all = this.st!.tables
    let m = all.get(head)
    if (m === undefined) {
      m = new Map()
      all.set(head, m)
    }
    let key = table
    if (d < 0 && !m.has(key)) key = rangeKey(pid, 0, 0, TAG_UNKNOWN_TABLE) // mapped before a split: its table is not known
    const was = m.get(key) ?? 0
    const now = was + d
    if (now <= 0) m.delete(key)
    else m.set(key, now)
    if (was === 0 && now > 0) {
      f.large++
      f.rmw(1)
    } else if (was > 0 && now <= 0) {
      f.large--
      f.rmw(1)
    }
  }

  protected newAnon(f: FolioState, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.w[f.b] = 0
      f.store(0)
      return
    }
    this.entries(f, this.tableOf(mm - 1, level), level === 'pte' ? f.n : 1, mm - 1)
  }

  protected add(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.rmw(0)
      f.w[f.b]!++
      return
    }
    this.entries(f, this.tableOf(mm - 1, level), level === 'pte' ? n : 1, mm - 1)
  }

  protected remove(f: FolioState, _i: number, n: number, level: Level, mm: number): void {
    if (!f.isLarge) {
      f.rmw(0)
      f.w[f.b]!--
      return
    }
    this.entries(f, this.tableOf(mm - 1, level), -(level === 'pte' ? n : 1), mm - 1)
  }

  protected dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    this.add(f, i, n, level, mm)
  }

  protected override hugetlbAdd(f: FolioState, _mode: 'newAnon' | 'anon' | 'file'): void {
    const e = this.cur
    const pid = e.code === C_hugetlb_anonDuplicated ? e.child : e.pid
    this.entries(f, this.tableOf(pid, e.level), 1, pid)
  }

  protected override hugetlbRemove(f: FolioState): void {
    const e = this.cur
    this.entries(f, this.tableOf(e.pid, e.level), -1, e.pid)
  }

  protected override hgmAdd(_s: SchemeState, f: FolioState, _i: number, _n: number, e: EventOp): void {
    this.entries(f, this.tableOf(e.pid, e.level), 1, e.pid)
  }

  protected override hgmRemove(_s: SchemeState, f: FolioState, _i: number, _n: number, e: EventOp): void {
    this.entries(f, this.tableOf(e.pid, e.level), -1, e.pid)
  }

  // ---- queries -------------------------------------------------------------------------------

  protected folioMapcountOf(f: FolioState): number {
    return f.isLarge ? f.large + 1 : f.mcOf(0) + 1
  }

  protected pageMapcountOf(f: FolioState, _i: number): number | null {
    return f.isLarge ? null : f.mcOf(0) + 1
  }

  protected nrPagesMappedOf(): number | null {
    return null
  }

  protected override hugetlbPagesMappedOf(): number | null {
    return null
  }

  protected mappedSharedOf(f: FolioState): boolean {
    return f.large + 1 > 1
  }

  protected partiallyMappedOf(): boolean | null {
    return null
  }

  protected kpagecountOf(f: FolioState, _i: number): number {
    return this.folioMapcountOf(f)
  }

  protected pagemapExclusiveOf(f: FolioState): boolean {
    return this.folioMapcountOf(f) === 1
  }

  protected override invariantsOf(f: FolioState): string[] {
    if (!f.isLarge) return []
    const bad: string[] = []
    if (f.anyPageMapcount()) bad.push('a per-page _mapcount of a large folio was written')
    if (f.entire !== -1) bad.push('_entire_mapcount was written')
    return bad
  }

  protected freeCheckOf(f: FolioState): string | null {
    if (!f.isLarge) return f.mcOf(0) !== -1 ? 'nonzero mapcount' : null
    return f.large !== -1 ? 'nonzero mapcount (page tables still map it)' : null
  }
}

/** willyVmaPt - the (VMA, page table) mapcount strategy. */
export const willyVmaPt = new WillyVmaPt()
