import { EVENT_TYPES, type EventType, type Level, type MmEvent, type Pfn } from '@mmsim/core'
import type { CostTable } from './costs.ts'
import { EventOp, fillEventOp, OP } from './eventOp.ts'
import { FolioState } from './folioState.ts'
import { hugetlbEntireAdd, hugetlbEntireRemove, noHgmRule } from './mapcountRules/hugetlbMapcount.ts'
import { folioLookupsOf, rmapCallsOf, RMAP_ERA_BATCHED, type RmapEra } from './rmapCalls.ts'
import { META_PAE, R_MC, R_META } from './schemeChunk.ts'
import { COST_ATOMICS, COST_CACHE_LINES, COST_PAE_BITOPS, COST_RMAP_CALLS, SchemeState } from './schemeState.ts'
import type { Strategy, StrategyPrecision, StrategyDescription, TruthView } from './strategy.ts'

const C_folio_allocated = OP['folio/allocated']
const C_folio_freed = OP['folio/freed']
const C_folio_migrated = OP['folio/migrated']
const C_folio_split = OP['folio/split']
const C_hugetlb_anonDuplicated = OP['hugetlb/anonDuplicated']
const C_hugetlb_poolGrown = OP['hugetlb/poolGrown']
const C_hugetlb_poolShrunk = OP['hugetlb/poolShrunk']
const C_hugetlb_rmapAdded = OP['hugetlb/rmapAdded']
const C_hugetlb_rmapRemoved = OP['hugetlb/rmapRemoved']
const C_hvo_optimized = OP['hvo/optimized']
const C_hvo_restored = OP['hvo/restored']
const C_pmd_remapped = OP['pmd/remapped']
const C_rmap_anonAdded = OP['rmap/anonAdded']
const C_rmap_anonDuplicated = OP['rmap/anonDuplicated']
const C_rmap_anonReused = OP['rmap/anonReused']
const C_rmap_anonShared = OP['rmap/anonShared']
const C_rmap_fileAdded = OP['rmap/fileAdded']
const C_rmap_fileDuplicated = OP['rmap/fileDuplicated']
const C_rmap_newAnonAdded = OP['rmap/newAnonAdded']
const C_rmap_removed = OP['rmap/removed']
const C_hugetlb_hgmRmapAdded = OP['hugetlb/hgmRmapAdded']
const C_hugetlb_hgmRmapRemoved = OP['hugetlb/hgmRmapRemoved']

/**
 * DISPATCH - what the built-in schemes do with each event type: `words` = it changes struct page / folio
 * words (handled by {@link SchemeBase.applyOp}'s switch), `none` = no scheme word changes (process, VMA,
 * marker, zero-page and page-table events: schemes keep no page tables; zero pages have no rmap). A record
 * over every EventType: a new event type is a compile error here until it is decided, and a `words` type
 * without a case in the switch is an internal error at its first event.
 */
const DISPATCH: Readonly<Record<EventType, 'words' | 'none'>> = {
  'process/created': 'none', 'process/forked': 'none', 'process/exited': 'none',
  'vma/mapped': 'none', 'vma/unmapped': 'none', 'vma/moved': 'none', 'vma/protected': 'none', 'vma/advised': 'none',
  'folio/allocated': 'words', 'folio/freed': 'words', 'folio/split': 'words', 'folio/migrated': 'words',
  'rmap/newAnonAdded': 'words', 'rmap/anonAdded': 'words', 'rmap/fileAdded': 'words', 'rmap/removed': 'words',
  'rmap/anonDuplicated': 'words', 'rmap/fileDuplicated': 'words', 'rmap/anonShared': 'words', 'rmap/anonReused': 'words',
  'pmd/remapped': 'words', 'collapse/completed': 'none', 'zeropage/mapped': 'none', 'zeropage/unmapped': 'none',
  'hugetlb/rmapAdded': 'words', 'hugetlb/rmapRemoved': 'words', 'hugetlb/anonDuplicated': 'words',
  'hugetlb/poolGrown': 'words', 'hugetlb/poolShrunk': 'words', 'hvo/optimized': 'words', 'hvo/restored': 'words',
  'check/marked': 'none',
  // HGM (model-only): MADV_SPLIT and the walk's table allocations change no struct page; the rmaps do
  'hugetlb/hgmEnabled': 'none', 'hugetlb/hgmRmapAdded': 'words', 'hugetlb/hgmRmapRemoved': 'words', 'hugetlb/hgmTableAllocated': 'none',
  // a failed split changes nothing: the folio stays whole (issue 17)
  'folio/splitFailed': 'none',
}

/**
 * NO_HGM_RULE - the precision of a Linux scheme's answers on a HugeTLB folio PTE-mapped by HGM entries: no
 * Linux kernel has HGM, so only folio_mapcount() (one per entry, as hugetlb_add_file_rmap() counts) is exact.
 */
export const NO_HGM_RULE = { entireMapcount: 'none', pageMapcount: 'none', kpagecount: 'none', nrPagesMapped: 'none' } as const

/**
 * the cursor the rmap calls of every built-in scheme work on (pointed at the event's folio; it also gathers
 * the event's costs), and the one of the queries: one object each for all schemes, so the loads through
 * them stay monomorphic (events are applied one scheme at a time, never nested)
 */
const CUR = new FolioState()
const Q = new FolioState()

/** the event being applied (one for all schemes: a store to a field of 7 scheme classes would be megamorphic) */
let CUR_OP = new EventOp()

/**
 * the folio @Q is on: state @qState at its layout generation @qGen, head @qHead (qState null: none). The
 * queries of one folio (a scan asks up to 9 of each side per event) load it once; its words are read in
 * place, so the cursor stays valid until the state's layout changes (SchemeState.gen).
 */
let qState: SchemeState | null = null
let qGen = 0
let qHead = -1

/** qLoadHead - point Q at the folio headed at @head of @s (reused when already there); false when there is none */
function qLoadHead(s: SchemeState, head: number): boolean {
  if (qState === s && qGen === s.gen && qHead === head) return true
  if (!s.loadHead(head, Q)) {
    qState = null
    return false
  }
  qState = s
  qGen = s.gen
  qHead = head
  return true
}

/** qLoadPage - point Q at the folio covering page @pfn of @s; its index in it, or −1 */
function qLoadPage(s: SchemeState, pfn: number): number {
  if (qState === s && qGen === s.gen && pfn >= qHead && pfn - qHead < Q.n) return pfn - qHead
  const i = s.loadPage(pfn, Q)
  if (i < 0) {
    qState = null
    return i
  }
  qState = s
  qGen = s.gen
  qHead = pfn - i
  return i
}

/**
 * applySmall - the order-0 fast path of {@link SchemeBase.applyOp}: rmap event @e (type @code, one PTE of
 * page @e.folio) on the order-0 folio whose record is at word @b of @s.smallW, for a scheme whose rmap calls
 * on an order-0 folio are the common ones (SchemeBase.smallFolioRulesCommon): `_mapcount` of the page := 0
 * (new anon), +1 (add, dup) or −1 (remove), PageAnonExclusive as applyOp sets and clears it; and the cost the
 * cursor would gather into the row at @row: one RMW (none for a new anon folio's atomic_set), one set_bit per
 * setPae / one clear_bit when try_dup finds the bit, one struct page (page 0: no HVO conflict), one rmap call
 * in every era (a batch of one page), no page→folio conversion (no tail page). The same words and counters
 * as the cursor path, without the cursor.
 */
function applySmall(s: SchemeState, code: number, e: EventOp, b: number, row: number): void {
  const w = s.smallW
  const m = b + R_META
  let atomics = 1
  let pae = 0
  switch (code) {
    case C_rmap_newAnonAdded:
      w[b + R_MC] = 0
      atomics = 0
      w[m] = w[m]! | META_PAE
      pae = 1
      break
    case C_rmap_anonAdded:
      w[b + R_MC]!++
      if (e.exclusive) {
        w[m] = w[m]! | META_PAE
        pae = 1
      }
      break
    case C_rmap_removed:
      w[b + R_MC]!--
      break
    case C_rmap_anonDuplicated:
      if ((w[m]! & META_PAE) !== 0) {
        w[m] = w[m]! & ~META_PAE
        pae = 1
      }
      w[b + R_MC]!++
      break
    default: // rmap/fileAdded, rmap/fileDuplicated
      w[b + R_MC]!++
      break
  }
  const c = s.costs
  c[row + COST_ATOMICS]! += atomics
  c[row + COST_PAE_BITOPS]! += pae
  c[row + COST_CACHE_LINES]!++
  c[row + COST_RMAP_CALLS]!++
}

/** SMALL_OK[code] - the rmap event types {@link applySmall} applies */
const SMALL_OK: readonly boolean[] = Array.from({ length: EVENT_TYPES.length }, (_, c) =>
  c === C_rmap_newAnonAdded || c === C_rmap_anonAdded || c === C_rmap_fileAdded || c === C_rmap_removed ||
  c === C_rmap_anonDuplicated || c === C_rmap_fileDuplicated)

/** mmIdOf - the v6.15 `mm->mm_id` of process @pid (0 is MM_ID_DUMMY, a free slot). */
const mmIdOf = (pid: number): number => pid + 1

/**
 * SchemeBase - what every built-in scheme shares: the event dispatch (one event = one kernel rmap call,
 * `nrPages` its batch), PageAnonExclusive, folio life cycle (allocation, free-time checks, split, migration),
 * HugeTLB and the cost accounting. A scheme supplies the rmap calls and the query formulas of its kernels.
 *
 * State: a {@link SchemeState} of flat per-PFN chunks; the rmap calls and queries work on a
 * {@link FolioState} cursor pointed at one folio (no object per folio, no Map per event but the chunk
 * lookup). Cost accounting: the rmap calls report every mapcount-family RMW with `f.rmw`, plain stores with
 * `f.store`, bit-spinlock acquisitions with `f.bitLock`; each names the struct page (= cache line) it
 * writes, so distinct lines per event and HVO conflicts follow. The cursor gathers one event's counters
 * and they are added to the integer cost row of the event's type.
 */
export abstract class SchemeBase implements Strategy<SchemeState> {
  abstract readonly id: string
  abstract readonly description: StrategyDescription
  abstract readonly precision: StrategyPrecision
  readonly handles: ReadonlySet<EventType> = new Set<EventType>(EVENT_TYPES.filter((t) => DISPATCH[t] === 'words'))
  /** HugeTLB updates `_large_mapcount` beside `_entire_mapcount` (v6.10+) */
  protected abstract readonly hugetlbLarge: boolean
  /** how the scheme's kernels call the rmap functions (rmapCalls.ts): the cost rows' rmapCalls and folioLookups */
  protected readonly rmapEra: RmapEra = RMAP_ERA_BATCHED

  init(): SchemeState {
    const s = new SchemeState()
    s.smallRules = this.smallFolioRulesCommon()
    s.smallFree = this.smallFreeCheckCommon()
    return s
  }

  /**
   * smallFolioRulesCommon - are this scheme's rmap calls on an order-0 folio's one PTE the common ones
   * {@link applySmall} applies (`_mapcount` ±1 or := 0 with one RMW / store of struct page 0)? False by
   * default; a scheme says true only while its newAnon/add/remove/dup are the implementations checked to
   * do that (a subclass overriding one of them gets false), so the fast path never bypasses a rule.
   */
  protected smallFolioRulesCommon(): boolean {
    return false
  }

  /**
   * smallFreeCheckCommon - does this scheme's {@link freeCheckOf} of an order-0 folio report nothing exactly
   * when the page's `_mapcount` is −1 (the fast path then frees such a folio without the cursor)? False by
   * default; true only while freeCheckOf is an implementation checked to do that.
   */
  protected smallFreeCheckCommon(): boolean {
    return false
  }

  snapshot(s: SchemeState): SchemeState {
    return s.clone()
  }

  restore(snap: SchemeState): SchemeState {
    return snap.clone()
  }

  costs(s: SchemeState): CostTable {
    return s.costTable()
  }

  freeViolations(s: SchemeState): readonly string[] {
    return s.badFrees
  }

  // ---- the rmap calls a scheme implements (counters only; PAE is handled here) ------------------

  /** folio_add_new_anon_rmap() / page_add_new_anon_rmap(): @level 'pte' maps the whole folio by PTEs */
  protected abstract newAnon(f: FolioState, level: Level, mm: number): void
  /** folio_add_{anon,file}_rmap_{ptes,pmd,pud}() for pages [i, i + n) */
  protected abstract add(f: FolioState, i: number, n: number, level: Level, mm: number): void
  /** folio_remove_rmap_{ptes,pmd,pud}() */
  protected abstract remove(f: FolioState, i: number, n: number, level: Level, mm: number): void
  /** folio_try_dup_anon_rmap_*() / folio_dup_file_rmap_*() into the child @mm (PAE already cleared) */
  protected abstract dup(f: FolioState, i: number, n: number, level: Level, mm: number): void
  /** __split_huge_pmd_locked(): by default the v6.8+ batched form: add 512 PTEs, remove the PMD */
  protected remap(f: FolioState, mm: number, exclusive: boolean): void {
    this.add(f, 0, f.n, 'pte', mm)
    if (exclusive) f.setPae(0, f.n)
    this.remove(f, 0, f.n, 'pmd', mm)
  }

  // ---- queries a scheme implements (per folio state) -------------------------------------------

  protected abstract folioMapcountOf(f: FolioState): number
  protected abstract pageMapcountOf(f: FolioState, i: number): number | null
  protected abstract nrPagesMappedOf(f: FolioState): number | null
  protected abstract mappedSharedOf(f: FolioState): boolean
  protected abstract partiallyMappedOf(f: FolioState): boolean | null
  protected abstract kpagecountOf(f: FolioState, i: number): number
  protected abstract pagemapExclusiveOf(f: FolioState, i: number, level: Level): boolean
  /** invariantsOf - the scheme's broken invariants on @f (§8.3); none by default */
  protected invariantsOf(_f: FolioState): string[] {
    return []
  }

  /** pages of HugeTLB folio @f mapped by at least one entry: all while one maps it whole (the only way Linux maps one) */
  protected hugetlbPagesMappedOf(f: FolioState): number | null {
    return f.entire >= 0 ? f.n : 0
  }

  /** the "Bad page state" reason for freeing @f now, or null when every counter is back at its initial value */
  protected abstract freeCheckOf(f: FolioState): string | null

  // ---- HugeTLB (one "entire" mapping per entry; v6.10+ also `_large_mapcount`) -------------------

  protected hugetlbAdd(f: FolioState, mode: 'newAnon' | 'anon' | 'file'): void {
    hugetlbEntireAdd(f, mode, this.hugetlbLarge)
  }

  protected hugetlbRemove(f: FolioState): void {
    hugetlbEntireRemove(f, this.hugetlbLarge)
  }

  // ---- HugeTLB high-granularity mapping (HGM, model-only: HGM v2 was never merged) --------------

  /**
   * hgmAdd - an HGM entry of process @e.pid at @e.vpn maps pages [i, i + n) of HugeTLB folio @f (n = 1: a
   * 4 KiB PTE; 512: a PMD inside a 1 GiB folio) — the series' hugetlb_add_file_rmap() on a hugetlb_pte.
   * Linux has no HGM, so a Linux scheme has no rule for it: the default counts it the only way a Linux
   * kernel can count a HugeTLB mapping — 6.18's whole-folio hugetlb_add_file_rmap() (`_entire_mapcount`,
   * v6.10+ `_large_mapcount`) — and reports the event as a notice. Its folio_mapcount() stays exact (one per
   * entry); the per-page and entire counts are not answerable (NO_HGM_RULE). The HGM schemes override this.
   */
  protected hgmAdd(s: SchemeState, f: FolioState, _i: number, _n: number, e: EventOp): void {
    noHgmRule(s, e, this.id, 'hugetlb_add_file_rmap()')
    this.hugetlbAdd(f, 'file')
  }

  /** hgmRemove - that HGM entry is cleared (the series' hugetlb_remove_rmap()); default: as {@link hgmAdd}, 6.18's hugetlb_remove_rmap() */
  protected hgmRemove(s: SchemeState, f: FolioState, _i: number, _n: number, e: EventOp): void {
    noHgmRule(s, e, this.id, 'hugetlb_remove_rmap()')
    this.hugetlbRemove(f)
  }

  hvoWrites(s: SchemeState): number {
    return s.hvoWriteEvents
  }

  notices(s: SchemeState): readonly string[] {
    return s.noRuleLines()
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private readonly op = new EventOp()

  apply(s: SchemeState, e: MmEvent, truth: TruthView): void {
    this.applyOp(s, fillEventOp(this.op, e), truth)
  }

  /** the event being applied (for schemes whose rules depend on where it maps: its process and page table) */
  protected get cur(): EventOp {
    return CUR_OP
  }

  /** applyOp - {@link apply} of an event already copied into an {@link EventOp} (the drivers' fast path) */
  applyOp(s: SchemeState, e: EventOp, truth: TruthView): void {
    CUR_OP = e
    const code = e.code
    if (code < 0) {
      s.countOther(e.type)
      return
    }
    const row = s.countEvent(code)
    // order-0 folio life cycle: no counter to gather (a clean order-0 free has no report)
    if (code === C_folio_allocated && e.order === 0) {
      s.installSmall(e.folio, e.kind)
      return
    }
    if (code === C_folio_freed && s.smallFree) {
      const b = s.smallHeadForWrite(e.folio)
      if (b >= 0 && s.smallW[b + R_MC] === -1) {
        s.removeSmall(e.folio)
        return
      }
    }
    if (s.smallRules && SMALL_OK[code] === true && e.nrPages === 1 && e.page === e.folio && e.level === 'pte') {
      const b = s.smallHeadForWrite(e.folio)
      if (b >= 0) {
        applySmall(s, code, e, b, row)
        return
      }
    }
    const f = CUR
    f.begin()
    switch (code) {
      case C_folio_allocated:
        s.install(e.folio, e.order, e.kind, f)
        break
      case C_hugetlb_poolGrown:
        s.install(e.folio, e.order, 'hugetlb', f)
        break
      case C_folio_freed:
      case C_hugetlb_poolShrunk: {
        if (!s.loadHeadForWrite(e.folio, f)) break
        const bad = this.freeCheckOf(f)
        if (bad !== null) s.badFrees.push(`${this.id}: Bad page state: folio 0x${e.folio.toString(16)} freed with ${bad}`)
        s.remove(e.folio, f)
        break
      }
      case C_folio_migrated:
        this.migrate(s, e.folio, e.newFolio, f)
        break
      case C_folio_split:
        this.split(s, e.folio, e.newOrder, truth, f)
        break
      case C_hvo_optimized:
      case C_hvo_restored:
        if (s.loadHeadForWrite(e.folio, f)) f.hvo = code === C_hvo_optimized
        break
      case C_rmap_newAnonAdded:
        if (!s.loadHeadForWrite(e.folio, f)) break
        f.store(0) // folio->mapping, index
        this.newAnon(f, e.level, mmIdOf(e.pid))
        if (e.level === 'pte') f.setPae(0, f.n)
        else f.setPae(0, 1)
        break
      case C_rmap_anonAdded:
        if (!s.loadHeadForWrite(e.folio, f)) break
        this.add(f, e.page - e.folio, e.nrPages, e.level, mmIdOf(e.pid))
        if (e.exclusive) f.setPae(e.page - e.folio, e.level === 'pte' ? e.nrPages : 1)
        break
      case C_rmap_fileAdded:
        if (s.loadHeadForWrite(e.folio, f)) this.add(f, e.page - e.folio, e.nrPages, e.level, mmIdOf(e.pid))
        break
      case C_rmap_removed:
        if (s.loadHeadForWrite(e.folio, f)) this.remove(f, e.page - e.folio, e.nrPages, e.level, mmIdOf(e.pid))
        break
      case C_rmap_anonDuplicated:
        if (!s.loadHeadForWrite(e.folio, f)) break
        f.clearPaeIfSet(e.page - e.folio, e.level === 'pte' ? e.nrPages : 1)
        this.dup(f, e.page - e.folio, e.nrPages, e.level, mmIdOf(e.child))
        break
      case C_rmap_fileDuplicated:
        if (s.loadHeadForWrite(e.folio, f)) this.dup(f, e.page - e.folio, e.nrPages, e.level, mmIdOf(e.child))
        break
      case C_rmap_anonShared:
        if (s.loadHeadForWrite(e.folio, f)) f.clearPaeIfSet(e.page - e.folio, e.nrPages)
        break
      case C_rmap_anonReused:
        if (s.loadHeadForWrite(e.folio, f)) f.setPae(e.page - e.folio, e.nrPages)
        break
      case C_pmd_remapped:
        if (s.loadHeadForWrite(e.folio, f)) this.remap(f, mmIdOf(e.pid), f.anon && f.paeOf(0))
        break
      case C_hugetlb_rmapAdded:
        if (!s.loadHeadForWrite(e.folio, f)) break
        this.hugetlbAdd(f, e.mode)
        if (e.mode === 'newAnon' || (e.mode === 'anon' && e.exclusive)) f.setPae(0, 1)
        break
      case C_hugetlb_rmapRemoved:
        if (s.loadHeadForWrite(e.folio, f)) this.hugetlbRemove(f)
        break
      case C_hugetlb_anonDuplicated:
        if (!s.loadHeadForWrite(e.folio, f)) break
        f.clearPaeIfSet(0, 1)
        this.hugetlbAdd(f, 'file')
        break
      case C_hugetlb_hgmRmapAdded:
        if (s.loadHeadForWrite(e.folio, f)) this.hgmAdd(s, f, e.page - e.folio, e.nrPages, e)
        break
      case C_hugetlb_hgmRmapRemoved:
        if (s.loadHeadForWrite(e.folio, f)) this.hgmRemove(s, f, e.page - e.folio, e.nrPages, e)
        break
      default:
        // DISPATCH says which types change no scheme word (zero pages, processes, VMAs, markers, HGM tables)
        if (DISPATCH[e.type] === 'words') throw new Error(`internal error: ${this.id}: no case for event type ${e.type}`)
        break
    }
    const calls = rmapCallsOf(this.rmapEra, code, e.nrPages, e.level === 'pte', f.n)
    if (calls !== 0) {
      f.rmapCalls = calls
      f.folioLookups = folioLookupsOf(this.rmapEra, code, e.nrPages, e.level === 'pte', f.isLarge, e.page === e.folio, f.n)
    }
    s.flush(row, f)
  }

  /** migrate - folio/migrated: the new folio starts clean with the old one's PAE bits and HVO bit (no free-time check of the old one) */
  private migrate(s: SchemeState, folio: Pfn, newFolio: Pfn, f: FolioState): void {
    if (!s.loadHeadForWrite(folio, f)) return
    const { kind, order } = f
    const hvo = f.hvo
    // the old folio's PAE bits, read before anything moves (the chunks of both folios may be one)
    const oldPae = f.paeSet === 0 ? null : f.paeBits()
    s.remove(folio, f)
    s.install(newFolio, order, kind, f)
    if (oldPae !== null) f.setPaeBits(oldPae)
    f.hvo = hvo
  }

  /**
   * split - folio/split. The kernel unmaps the folio (migration entries), splits it and restores every
   * mapping with per-PTE rmap adds (remap_page → remove_migration_ptes). Each new folio is rebuilt that way
   * from the ground truth: its per-page PTE counts, its (pid, entries) owners and its PAE bits. The cost of
   * the unmap/restore is not charged (the row counts the event only).
   */
  private split(s: SchemeState, folio: Pfn, newOrder: number, truth: TruthView, f: FolioState): void {
    if (!s.loadHeadForWrite(folio, f)) return
    const kind = f.kind
    const oldN = f.n
    s.remove(folio, f)
    const n = 2 ** newOrder
    for (let j = 0; j < oldN / n; j++) {
      const head = folio + j * n
      s.install(head, newOrder, kind, f)
      const rec = truth.folio(head)
      if (rec === undefined) continue
      if (rec.exclusive !== null) f.setPaeBits(rec.exclusive)
      const counts = rec.pageMaps === null ? new Int32Array(n) : rec.pageMaps.slice()
      let page = 0
      for (let o = 0; o < rec.owners.length; o += 2) {
        const mm = mmIdOf(rec.owners[o]!)
        for (let k = rec.owners[o + 1]!; k > 0; k--) {
          while (page < n && counts[page] === 0) page++
          if (page >= n) break
          counts[page]!--
          this.add(f, page, 1, 'pte', mm)
        }
      }
    }
    f.begin() // the restore is not charged
  }

  // ---- queries -------------------------------------------------------------------------------

  checkInvariants(s: SchemeState, folio: Pfn): string[] {
    const f = Q
    return !qLoadHead(s, folio) || f.zero ? [] : this.invariantsOf(f)
  }

  folioMapcount(s: SchemeState, folio: Pfn): number {
    return this.folioMapcountAt(Q, qLoadHead(s, folio) && !Q.zero)
  }

  pageMapcount(s: SchemeState, pfn: Pfn): number | null {
    const i = qLoadPage(s, pfn)
    return this.pageMapcountAt(Q, i, i >= 0 && !Q.zero)
  }

  entireMapcount(s: SchemeState, folio: Pfn): number {
    return this.entireMapcountAt(Q, qLoadHead(s, folio) && !Q.zero)
  }

  nrPagesMapped(s: SchemeState, folio: Pfn): number | null {
    return this.nrPagesMappedAt(Q, qLoadHead(s, folio) && !Q.zero)
  }

  mappedShared(s: SchemeState, folio: Pfn): boolean {
    return this.mappedSharedAt(Q, qLoadHead(s, folio) && !Q.zero)
  }

  anonExclusive(s: SchemeState, pfn: Pfn): boolean {
    const i = qLoadPage(s, pfn)
    return i >= 0 && Q.paeOf(i)
  }

  partiallyMapped(s: SchemeState, folio: Pfn): boolean | null {
    return this.partiallyMappedAt(Q, qLoadHead(s, folio))
  }

  kpagecount(s: SchemeState, pfn: Pfn): number {
    const i = qLoadPage(s, pfn)
    return this.kpagecountAt(Q, i, i >= 0 && !Q.zero)
  }

  pagemapExclusive(s: SchemeState, pfn: Pfn, level: Level): boolean {
    const i = qLoadPage(s, pfn)
    return this.pagemapExclusiveAt(Q, i, i >= 0 && !Q.zero, level)
  }

  /**
   * answersInto - the answers {@link folioMapcount}, {@link entireMapcount}, {@link nrPagesMapped},
   * {@link mappedShared}, {@link partiallyMapped} give for the folio headed at @head, into @out[0..5), then
   * for each page @head + @at[j] (j < @m) those of {@link pageMapcount}, {@link kpagecount},
   * {@link anonExclusive} and {@link pagemapExclusive} at @level into @out[5 + 4j .. 5 + 4j + 4), as numbers:
   * booleans 0/1, null NaN. The same answers as the nine calls, with one load of the query cursor and one
   * read of the folio's kind (for drivers that ask them all after every event: bisect). Nothing is allocated.
   */
  answersInto(s: SchemeState, head: Pfn, at: Int32Array, m: number, level: Level, out: Float64Array): void {
    const f = Q
    const loaded = qLoadHead(s, head)
    const live = loaded && !f.zero
    const mapcount = this.folioMapcountAt(f, live)
    out[0] = mapcount
    out[1] = this.entireMapcountAt(f, live)
    out[2] = this.nrPagesMappedAt(f, live) ?? NaN
    out[3] = this.mappedSharedAt(f, live, mapcount) ? 1 : 0
    const partial = this.partiallyMappedAt(f, loaded)
    out[4] = partial === null ? NaN : partial ? 1 : 0
    for (let j = 0; j < m; j++) {
      const p = at[j]!
      // a page of the loaded folio: the cursor stays where it is (else it moves, as pageMapcount's would)
      const here = loaded && qHead === head && p >= 0 && p < f.n
      const i = here ? p : qLoadPage(s, head + p)
      const pl = here ? live : i >= 0 && !f.zero
      const o = 5 + 4 * j
      out[o] = this.pageMapcountAt(f, i, pl) ?? NaN
      out[o + 1] = this.kpagecountAt(f, i, pl)
      out[o + 2] = i >= 0 && f.paeOf(i) ? 1 : 0
      out[o + 3] = this.pagemapExclusiveAt(f, i, pl, level) ? 1 : 0
    }
  }

  // the queries on the query cursor @f: @live when it is on a live folio that is not a zero page (@i: the page's index in it)

  private folioMapcountAt(f: FolioState, live: boolean): number {
    return live ? this.folioMapcountOf(f) : 0
  }

  private pageMapcountAt(f: FolioState, i: number, live: boolean): number | null {
    return live ? this.pageMapcountOf(f, i) : 0
  }

  private entireMapcountAt(f: FolioState, live: boolean): number {
    return live && f.isLarge ? f.entire + 1 : 0
  }

  private nrPagesMappedAt(f: FolioState, live: boolean): number | null {
    if (!live) return 0
    if (f.hugetlb) return this.hugetlbPagesMappedOf(f)
    if (!f.isLarge) return f.mcOf(0) >= 0 ? 1 : 0
    return this.nrPagesMappedOf(f)
  }

  /** @mapcount: folio_mapcount of the folio when the caller has it (answersInto), else computed here if needed */
  private mappedSharedAt(f: FolioState, live: boolean, mapcount?: number): boolean {
    if (!live) return false
    if (!f.isLarge || f.hugetlb) return (mapcount ?? this.folioMapcountOf(f)) > 1
    return this.mappedSharedOf(f)
  }

  /** @loaded: on a live folio (zero pages included: they are not anon) */
  private partiallyMappedAt(f: FolioState, loaded: boolean): boolean | null {
    if (!loaded || !f.anon || !f.isLarge) return null
    return this.partiallyMappedOf(f)
  }

  private kpagecountAt(f: FolioState, i: number, live: boolean): number {
    return live ? this.kpagecountOf(f, i) : 0
  }

  private pagemapExclusiveAt(f: FolioState, i: number, live: boolean, level: Level): boolean {
    return live ? this.pagemapExclusiveOf(f, i, level) : false
  }
}
