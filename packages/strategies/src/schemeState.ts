import { alignedHead, EVENT_TYPES, KIND, MAX_PFN, type FolioKind } from '@mmsim/core'
import { COST_FIELDS, emptyCostRow, type CostRow, type CostTable } from './costs.ts'
import type { FolioState } from './folioState.ts'
import { META_ORD, R_META, SCHEME_CHUNK_MASK, SCHEME_CHUNK_PAGES, SCHEME_CHUNK_SHIFT, SchemeChunk, W } from './schemeChunk.ts'

let nextEpoch = 1
const NO_WORDS = new Int32Array(0)

/** kindCode - KIND[@kind] by comparing the interned literals (a keyed load by a string key on every folio install is not) */
function kindCode(kind: FolioKind): number {
  return kind === 'anon' ? KIND.anon : kind === 'file' ? KIND.file : kind === 'shmem' ? KIND.shmem : KIND[kind]
}

/** cost counter offsets in a row of SchemeState.costs (COST_FIELDS order) */
export const COST_EVENTS = 0
export const COST_ATOMICS = 1
export const COST_PAE_BITOPS = 2
export const COST_CACHE_LINES = 3
export const COST_BIT_LOCKS = 4
export const COST_HVO_CONFLICTS = 5
export const COST_HVO_WRITES = 6
export const COST_RMAP_CALLS = 7
export const COST_FOLIO_LOOKUPS = 8
const NF = COST_FIELDS.length

/**
 * SchemeState - a built-in scheme's whole state as struct-of-arrays: its folios' words in chunks of 4096
 * PFNs ({@link SchemeChunk}) found through a Map with a last-chunk cache (chunks are dropped when their last
 * folio goes, so memory follows the live folios), folios bigger than a chunk in @giants, the cost table as
 * integer counters in one Float64Array indexed by event-type code × counter, and its "Bad page state"
 * reports. Mutable (docs/style.md §3.6 opt-out of immer). Copy-on-write per chunk by epoch: {@link clone} (the
 * snapshot) is O(chunks); the first later write to a shared chunk copies it.
 */
export class SchemeState {
  epoch: number
  chunks: Map<number, SchemeChunk>
  /** folios of order > 12 (a chunk of their own each), by head PFN */
  giants: Map<number, SchemeChunk>
  /** cost rows: [EVENT_TYPES index * COST_FIELDS.length + COST_*] */
  costs: Float64Array
  /** EVENT_TYPES indexes in the order their first event came (the CostTable's row order) */
  costOrder: number[]
  /** rows of event types outside EVENT_TYPES (none from the built-in drivers) */
  otherCosts: CostTable
  badFrees: string[]
  /** events so far that wrote a struct page HVO maps read-only (the hvoWrites column summed: bisect --hvo-write reads it per event) */
  hvoWriteEvents = 0
  /**
   * layout generation: bumped whenever a folio's words may move (a chunk copied, created or dropped, a folio
   * installed or removed), so a query cursor left on a folio stays valid while it is unchanged (its words
   * are read in place; SchemeBase's queries skip the reload)
   */
  gen = 0
  /** events the scheme has no rule for, by type: how many, and the first one (its notice line) */
  noRules: Map<string, { count: number; first: string }>
  /**
   * the scheme's rmap calls on an order-0 folio are the common per-page `_mapcount` ones (SchemeBase's
   * order-0 fast path may apply them without the folio cursor; set by SchemeBase.init, kept by clone)
   */
  smallRules = false
  /** the record array of the chunk the last {@link smallHeadForWrite} found (owned by this state) */
  smallW: Int32Array = NO_WORDS
  private smallC: SchemeChunk | undefined = undefined
  /** the scheme's free-time check of an order-0 folio reports nothing exactly when its `_mapcount` is −1 (set like @smallRules) */
  smallFree = false
  // a two-entry lookup cache (events alternate between a new folio and an old one: COW)
  private key0 = -1
  private c0: SchemeChunk | undefined = undefined
  private key1 = -1
  private c1: SchemeChunk | undefined = undefined
  /** emptied chunks owned by this state, for reuse (every slot back at its initial value; not part of the state) */
  private readonly spare: SchemeChunk[] = []

  constructor(from?: SchemeState) {
    this.epoch = nextEpoch++
    if (from === undefined) {
      this.chunks = new Map()
      this.giants = new Map()
      this.costs = new Float64Array(EVENT_TYPES.length * NF)
      this.costOrder = []
      this.otherCosts = new Map()
      this.badFrees = []
      this.noRules = new Map()
      return
    }
    this.chunks = new Map(from.chunks)
    this.giants = new Map(from.giants)
    this.costs = from.costs.slice()
    this.costOrder = from.costOrder.slice()
    this.otherCosts = new Map([...from.otherCosts].map(([k, r]) => [k, { ...r }]))
    this.badFrees = from.badFrees.slice()
    this.hvoWriteEvents = from.hvoWriteEvents
    this.smallRules = from.smallRules
    this.smallFree = from.smallFree
    this.noRules = new Map([...from.noRules].map(([k, r]) => [k, { ...r }]))
  }

  /** noRule - one more event of @type the scheme has no rule for; the first one's notice is @what about @e */
  noRule(type: string, what: string, e: { pid: number; vpn: number; folio: number; page: number }): void {
    const r = this.noRules.get(type)
    if (r !== undefined) {
      r.count++
      return
    }
    const at = `p${e.pid} vpn 0x${e.vpn.toString(16)}, folio 0x${e.folio.toString(16)} page 0x${e.page.toString(16)}`
    this.noRules.set(type, { count: 1, first: `${type}: ${what} (first: ${at})` })
  }

  /** noRuleLines - the notices, one line per event type with its count */
  noRuleLines(): string[] {
    return [...this.noRules.values()].map((r) => `${r.first}; ${r.count} event${r.count === 1 ? '' : 's'}`)
  }

  /** clone - an independent copy sharing every chunk; both sides copy a chunk before their next write to it. */
  clone(): SchemeState {
    const c = new SchemeState(this)
    this.epoch = nextEpoch++
    return c
  }

  // ---- cost rows ----

  /** countEvent - one more event of EVENT_TYPES index @code; @returns the offset of its cost row */
  countEvent(code: number): number {
    const b = code * NF
    const c = this.costs
    const k = c[b]!
    c[b] = k + 1
    if (k === 0) this.costOrder.push(code)
    return b
  }

  /** countOther - one more event of @type, a type outside EVENT_TYPES */
  countOther(type: string): void {
    let r = this.otherCosts.get(type)
    if (r === undefined) {
      r = emptyCostRow()
      this.otherCosts.set(type, r)
      this.costOrder.push(-1 - (this.otherCosts.size - 1))
    }
    r.events++
  }

  /** flush - add the cost counters @f gathered for one event to the row at offset @b */
  flush(b: number, f: FolioState): void {
    const c = this.costs
    if (f.atomics !== 0) c[b + COST_ATOMICS]! += f.atomics
    if (f.paeBitops !== 0) c[b + COST_PAE_BITOPS]! += f.paeBitops
    if (f.cacheLines !== 0) c[b + COST_CACHE_LINES]! += f.cacheLines
    if (f.bitLocks !== 0) c[b + COST_BIT_LOCKS]! += f.bitLocks
    if (f.hvoConflicts !== 0) {
      c[b + COST_HVO_CONFLICTS]! += f.hvoConflicts
      c[b + COST_HVO_WRITES]!++
      this.hvoWriteEvents++
    }
    if (f.rmapCalls !== 0) {
      c[b + COST_RMAP_CALLS]! += f.rmapCalls
      c[b + COST_FOLIO_LOOKUPS]! += f.folioLookups
    }
  }

  /** costTable - the cost rows as a CostTable (a fresh Map; rows in first-event order) */
  costTable(): CostTable {
    const t: CostTable = new Map()
    const others = [...this.otherCosts]
    for (const code of this.costOrder) {
      if (code < 0) {
        const [k, r] = others[-1 - code]!
        t.set(k, { ...r })
        continue
      }
      const b = code * NF
      const c = this.costs
      const row: CostRow = {
        events: c[b + COST_EVENTS]!, atomics: c[b + COST_ATOMICS]!, paeBitops: c[b + COST_PAE_BITOPS]!,
        cacheLines: c[b + COST_CACHE_LINES]!, bitLocks: c[b + COST_BIT_LOCKS]!, hvoConflicts: c[b + COST_HVO_CONFLICTS]!,
        hvoWrites: c[b + COST_HVO_WRITES]!, rmapCalls: c[b + COST_RMAP_CALLS]!, folioLookups: c[b + COST_FOLIO_LOOKUPS]!,
      }
      t.set(EVENT_TYPES[code]!, row)
    }
    return t
  }

  // ---- chunks ----

  /** chunk - the chunk holding page @pfn, read-only, or undefined */
  chunk(pfn: number): SchemeChunk | undefined {
    const k = pfn >>> SCHEME_CHUNK_SHIFT
    if (k === this.key0) return this.c0
    if (k === this.key1) {
      const c = this.c1
      this.key1 = this.key0
      this.c1 = this.c0
      this.key0 = k
      this.c0 = c
      return c
    }
    const c = this.chunks.get(k)
    this.key1 = this.key0
    this.c1 = this.c0
    this.key0 = k
    this.c0 = c
    return c
  }

  /** the chunk holding @pfn, owned by this state: @c (its current chunk, maybe undefined) or a copy of it, or a new one */
  private own(pfn: number, c: SchemeChunk | undefined): SchemeChunk {
    if (c !== undefined && c.epoch === this.epoch) return c
    this.gen++
    if (c !== undefined) c = new SchemeChunk(this.epoch, 0, c)
    else {
      c = this.spare.pop() ?? new SchemeChunk(this.epoch, SCHEME_CHUNK_PAGES)
      c.epoch = this.epoch
    }
    this.chunks.set(pfn >>> SCHEME_CHUNK_SHIFT, c)
    this.key0 = pfn >>> SCHEME_CHUNK_SHIFT
    this.c0 = c
    if (this.key1 === this.key0) this.key1 = -1
    return c
  }

  private chunkForWrite(pfn: number): SchemeChunk {
    return this.own(pfn, this.chunk(pfn))
  }

  private giantForWrite(head: number, g: SchemeChunk): SchemeChunk {
    if (g.epoch === this.epoch) return g
    this.gen++
    const c = new SchemeChunk(this.epoch, 0, g)
    this.giants.set(head, c)
    return c
  }

  /** loadHead - point @f at the folio headed at @head (read-only); false when there is none */
  loadHead(head: number, f: FolioState): boolean {
    if (!(head >= 0 && head <= MAX_PFN)) return false
    const c = this.chunk(head)
    if (c !== undefined) {
      const o = (c.w[(head & SCHEME_CHUNK_MASK) * W + R_META]! & META_ORD) - 1
      if (o === 0 || (o > 0 && (head & ((1 << o) - 1)) === 0)) {
        f.load(c, head & SCHEME_CHUNK_MASK, o)
        return true
      }
      if (o > 0) return false
    }
    return this.giants.size !== 0 && this.loadGiant(head, f, false)
  }

  /** loadHeadForWrite - as {@link loadHead}, with the folio's chunk owned by this state */
  loadHeadForWrite(head: number, f: FolioState): boolean {
    const c = this.chunk(head)
    if (c !== undefined) {
      const o = (c.w[(head & SCHEME_CHUNK_MASK) * W + R_META]! & META_ORD) - 1
      if (o === 0 || (o > 0 && (head & ((1 << o) - 1)) === 0)) {
        f.load(this.own(head, c), head & SCHEME_CHUNK_MASK, o)
        return true
      }
      if (o > 0) return false
    }
    return this.giants.size !== 0 && this.loadGiant(head, f, true)
  }

  /**
   * smallHeadForWrite - the word offset in {@link smallW} of the record of the order-0 folio whose page is
   * @head, its chunk owned by this state; −1 (nothing changed) when no order-0 folio covers @head.
   */
  smallHeadForWrite(head: number): number {
    const c = this.chunk(head)
    if (c === undefined) return -1
    const b = (head & SCHEME_CHUNK_MASK) * W
    if ((c.w[b + R_META]! & META_ORD) !== 1) return -1
    const o = this.own(head, c)
    this.smallC = o
    this.smallW = o.w
    return b
  }

  private loadGiant(head: number, f: FolioState, write: boolean): boolean {
    const g = this.giants.get(head)
    if (g === undefined) return false
    f.load(write ? this.giantForWrite(head, g) : g, 0, (g.w[R_META]! & META_ORD) - 1)
    return true
  }

  /**
   * loadPage - point @f at the live folio covering page @pfn (read-only); @returns the page's index in
   * it, or −1 when no folio covers it (folios are naturally aligned).
   */
  loadPage(pfn: number, f: FolioState): number {
    if (!(pfn >= 0 && pfn <= MAX_PFN)) return -1
    const c = this.chunk(pfn)
    if (c !== undefined) {
      const o = (c.w[(pfn & SCHEME_CHUNK_MASK) * W + R_META]! & META_ORD) - 1
      if (o >= 0) {
        const i = pfn & ((1 << o) - 1)
        f.load(c, (pfn - i) & SCHEME_CHUNK_MASK, o)
        return i
      }
    }
    if (this.giants.size === 0) return -1
    for (let o = SCHEME_CHUNK_SHIFT + 1; o <= 30; o++) {
      const head = alignedHead(pfn, o)
      const g = this.giants.get(head)
      if (g !== undefined && (g.w[R_META]! & META_ORD) - 1 >= o) {
        f.load(g, 0, (g.w[R_META]! & META_ORD) - 1)
        return pfn - head
      }
    }
    return -1
  }

  /**
   * install - a fresh folio of @kind and @order headed at @head (every counter at its initial value);
   * @f is pointed at it. The pages must be covered by no live folio.
   */
  install(head: number, order: number, kind: FolioKind, f: FolioState): void {
    this.gen++
    const n = 2 ** order
    if (order > SCHEME_CHUNK_SHIFT) {
      const g = new SchemeChunk(this.epoch, n)
      g.initHead(0, kindCode(kind), order)
      g.live = n
      this.giants.set(head, g)
      f.load(g, 0, order)
      return
    }
    const c = this.chunkForWrite(head)
    const j = head & SCHEME_CHUNK_MASK
    const w = c.w
    for (let p = (j + 1) * W + R_META, e = (j + n) * W; p < e; p += W) w[p] = order + 1
    c.live += n
    c.initHead(j, kindCode(kind), order)
    f.load(c, j, order)
  }

  /** remove - the folio @f points at (loaded for write, headed at @head) is gone: its pages back to unused */
  remove(head: number, f: FolioState): void {
    this.gen++
    const c = f.c
    if (f.order > SCHEME_CHUNK_SHIFT) {
      this.giants.delete(head)
      return
    }
    this.dropPages(head, c, f.b / W, f.n)
  }

  /**
   * installSmall - {@link install} of an order-0 folio of @kind at @head, without pointing a cursor at it
   * (SchemeBase's order-0 fast path)
   */
  installSmall(head: number, kind: FolioKind): void {
    this.gen++
    const c = this.chunkForWrite(head)
    c.live++
    c.initHead(head & SCHEME_CHUNK_MASK, kindCode(kind), 0)
  }

  /** removeSmall - {@link remove} of the order-0 folio at @head whose record {@link smallHeadForWrite} just found */
  removeSmall(head: number): void {
    this.gen++
    this.dropPages(head, this.smallC!, head & SCHEME_CHUNK_MASK, 1)
  }

  /** dropPages - the records of the folio of @n pages at slot @j of chunk @c (owned) back to unused; the chunk goes with its last page */
  private dropPages(head: number, c: SchemeChunk, j: number, n: number): void {
    c.clearPages(j, n)
    c.live -= n
    if (c.live === 0) {
      this.chunks.delete(head >>> SCHEME_CHUNK_SHIFT)
      this.key0 = -1
      this.c0 = undefined
      this.key1 = -1
      this.c1 = undefined
      // every slot is back at its initial value; reusable unless a snapshot shares it (then it is not ours)
      if (c.epoch === this.epoch && this.spare.length < 32) this.spare.push(c)
    }
  }
}
