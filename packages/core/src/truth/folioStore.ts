import type { FolioKind } from '../events/common.ts'

/** CHUNK_SHIFT - a folio chunk holds the struct-of-arrays fields of 2^12 = 4096 consecutive PFNs (16 MiB of memory). */
export const CHUNK_SHIFT = 12
export const CHUNK_PAGES = 1 << CHUNK_SHIFT
const CHUNK_MASK = CHUNK_PAGES - 1

/** MAX_PFN - PFNs (and PTE values pfn + 1) are held in Int32 words: 8 TiB of physical memory. */
export const MAX_PFN = 0x7ffffffe

/** KIND_CODES - folio kinds as the small integers the chunks store (index = code). */
export const KIND_NAMES: readonly FolioKind[] = ['anon', 'file', 'shmem', 'hugetlb', 'zero', 'hugezero']
export const KIND = { anon: 0, file: 1, shmem: 2, hugetlb: 3, zero: 4, hugezero: 5 } as const satisfies Record<FolioKind, number>

/**
 * FolioChunk - the ground truth of 4096 consecutive PFNs as parallel typed arrays (no object per folio).
 * Per page: @ord (order + 1 of the live folio covering it, 0 = no folio), @maps (PTEs and HGM PMDs mapping it), @excl
 * (PageAnonExclusive). Per folio, at its head page's slot: @kind, @file, @index, @entire (PMD/PUD entries),
 * @ptes (PTE entries), @mapped (pages with a PTE or an HGM PMD), @hvo, @hgmPmds (HGM PMD entries mapping a
 * 2 MiB piece of a 1 GiB HugeTLB folio; null until the chunk's first one: hgm=off traces never allocate
 * it), and its owners — the (pid, entries) pairs of the
 * processes mapping it — as a sorted linked list of nodes in the chunk's own @pool ([pid, count, next]).
 * @epoch: the chunk belongs to the live state of that epoch; any other state copies it before writing.
 * @pages: pages of this chunk covered by a live folio (the chunk is dropped when it reaches 0).
 */
export class FolioChunk {
  epoch: number
  pages = 0
  readonly ord: Uint8Array
  readonly maps: Int32Array
  readonly excl: Uint8Array
  readonly kind: Uint8Array
  readonly hvo: Uint8Array
  readonly file: Float64Array
  readonly index: Float64Array
  readonly entire: Int32Array
  readonly ptes: Int32Array
  readonly mapped: Int32Array
  /** per folio (head slot): HGM PMDs mapping part of it; null while no folio of the chunk has one */
  hgmPmds: Int32Array | null = null
  /** distinct owner processes of the folio headed here */
  readonly owners: Int32Array
  /** first owner node (0 = none) */
  readonly own: Int32Array
  pool: Int32Array
  poolTop = 3
  poolFree = 0

  constructor(epoch: number, from?: FolioChunk) {
    this.epoch = epoch
    if (from === undefined) {
      this.ord = new Uint8Array(CHUNK_PAGES)
      this.maps = new Int32Array(CHUNK_PAGES)
      this.excl = new Uint8Array(CHUNK_PAGES)
      this.kind = new Uint8Array(CHUNK_PAGES)
      this.hvo = new Uint8Array(CHUNK_PAGES)
      this.file = new Float64Array(CHUNK_PAGES)
      this.index = new Float64Array(CHUNK_PAGES)
      this.entire = new Int32Array(CHUNK_PAGES)
      this.ptes = new Int32Array(CHUNK_PAGES)
      this.mapped = new Int32Array(CHUNK_PAGES)
      this.owners = new Int32Array(CHUNK_PAGES)
      this.own = new Int32Array(CHUNK_PAGES)
      this.pool = new Int32Array(3 * 1024)
      return
    }
    this.pages = from.pages
    this.ord = from.ord.slice()
    this.maps = from.maps.slice()
    this.excl = from.excl.slice()
    this.kind = from.kind.slice()
    this.hvo = from.hvo.slice()
    this.file = from.file.slice()
    this.index = from.index.slice()
    this.entire = from.entire.slice()
    this.ptes = from.ptes.slice()
    this.mapped = from.mapped.slice()
    this.hgmPmds = from.hgmPmds === null ? null : from.hgmPmds.slice()
    this.owners = from.owners.slice()
    this.own = from.own.slice()
    this.pool = from.pool.slice()
    this.poolTop = from.poolTop
    this.poolFree = from.poolFree
  }

  /**
   * reuse - this chunk was dropped empty (every page uncovered, its maps and PAE bits cleared, its owner
   * lists empty) and now serves epoch @epoch for another PFN range. Per-folio words of its slots are stale
   * but only read for heads, which folio allocation rewrites.
   */
  reuse(epoch: number): FolioChunk {
    this.epoch = epoch
    this.hgmPmds = null
    this.pages = 0
    this.poolTop = 3
    this.poolFree = 0
    return this
  }

  /** hgmPmdsAt - HGM PMD entries mapping part of the folio headed at slot @j. */
  hgmPmdsAt(j: number): number {
    return this.hgmPmds === null ? 0 : this.hgmPmds[j]!
  }

  /** addHgmPmds - @n more HGM PMD entries map part of the folio headed at slot @j (chunk owned by this epoch). */
  addHgmPmds(j: number, n: number): void {
    if (this.hgmPmds === null) this.hgmPmds = new Int32Array(CHUNK_PAGES)
    this.hgmPmds[j]! += n
  }

  /** addOwner - @pid maps @n more entries of the folio headed at slot @j (drops the pair at 0). */
  addOwner(j: number, pid: number, n: number): void {
    if (n === 0) return
    const p = this.pool
    let prev = 0
    let x = this.own[j]!
    while (x !== 0 && p[x]! < pid) {
      prev = x
      x = p[x + 2]!
    }
    if (x !== 0 && p[x] === pid) {
      const c = p[x + 1]! + n
      if (c !== 0) {
        p[x + 1] = c
        return
      }
      const next = p[x + 2]!
      if (prev === 0) this.own[j] = next
      else p[prev + 2] = next
      p[x + 2] = this.poolFree
      this.poolFree = x
      this.owners[j]!--
      return
    }
    const node = this.newNode()
    const q = this.pool
    q[node] = pid
    q[node + 1] = n
    q[node + 2] = x
    if (prev === 0) this.own[j] = node
    else q[prev + 2] = node
    this.owners[j]!++
  }

  private newNode(): number {
    if (this.poolFree !== 0) {
      const x = this.poolFree
      this.poolFree = this.pool[x + 2]!
      return x
    }
    if (this.poolTop + 3 > this.pool.length) {
      const bigger = new Int32Array(this.pool.length * 2)
      bigger.set(this.pool)
      this.pool = bigger
    }
    const x = this.poolTop
    this.poolTop += 3
    return x
  }

  /** ownerList - the (pid, entries) pairs of the folio headed at slot @j, sorted by pid (allocates: for queries). */
  ownerList(j: number): number[] {
    const out: number[] = []
    for (let x = this.own[j]!; x !== 0; x = this.pool[x + 2]!) out.push(this.pool[x]!, this.pool[x + 1]!)
    return out
  }

  /** clearOwners - the folio headed at slot @j has no owners any more (its nodes go back to the pool). */
  clearOwners(j: number): void {
    let x = this.own[j]!
    while (x !== 0) {
      const next = this.pool[x + 2]!
      this.pool[x + 2] = this.poolFree
      this.poolFree = x
      x = next
    }
    this.own[j] = 0
    this.owners[j] = 0
  }
}

/** empty chunks dropped by a live state, for reuse (a fork-heavy trace allocates at ever new PFNs) */
const FREE_CHUNKS_KEPT = 16
const freeChunks: FolioChunk[] = []

/**
 * FolioStore - every live folio of a state, in chunks of 4096 PFNs found through a Map with a last-chunk
 * cache. A chunk whose last folio is freed is dropped, so memory follows the live folios, not the PFNs
 * ever used. Copy-on-write at chunk granularity: {@link share} marks every chunk as belonging to an older
 * epoch; the first write to one after that copies it.
 */
export class FolioStore {
  chunks: Map<number, FolioChunk>
  epoch: number
  /** live folios per order (0..18) */
  readonly census: Float64Array
  private lastKey = -1
  private last: FolioChunk | undefined = undefined
  private lastKey2 = -1
  private last2: FolioChunk | undefined = undefined

  constructor(epoch: number, from?: FolioStore) {
    this.epoch = epoch
    this.chunks = from === undefined ? new Map() : new Map(from.chunks)
    this.census = from === undefined ? new Float64Array(19) : from.census.slice()
  }

  /** chunk - the chunk holding @pfn, read-only, or undefined. */
  chunk(pfn: number): FolioChunk | undefined {
    const k = pfn >>> CHUNK_SHIFT
    if (k === this.lastKey) return this.last
    // two entries: COW and fork alternate between the old folio's chunk and the new one's
    const c = k === this.lastKey2 ? this.last2 : this.chunks.get(k)
    this.lastKey2 = this.lastKey
    this.last2 = this.last
    this.lastKey = k
    this.last = c
    return c
  }

  /** chunkForWrite - the chunk holding @pfn, owned by this epoch (copied or created). */
  chunkForWrite(pfn: number): FolioChunk {
    let c = this.chunk(pfn)
    if (c !== undefined && c.epoch === this.epoch) return c
    c = c === undefined ? (freeChunks.pop()?.reuse(this.epoch) ?? new FolioChunk(this.epoch)) : new FolioChunk(this.epoch, c)
    this.chunks.set(pfn >>> CHUNK_SHIFT, c)
    this.last = c
    return c
  }

  /** dropIfEmpty - forget @c (holding @pfn) when no live folio covers any of its pages. */
  dropIfEmpty(c: FolioChunk, pfn: number): void {
    if (c.pages !== 0) return
    this.chunks.delete(pfn >>> CHUNK_SHIFT)
    // a chunk of this epoch is held by no checkpoint (a checkpoint bumps the epoch): keep it for reuse
    if (c.epoch === this.epoch && freeChunks.length < FREE_CHUNKS_KEPT) freeChunks.push(c)
    this.lastKey = -1
    this.last = undefined
    this.lastKey2 = -1
    this.last2 = undefined
  }

  /** orderAt - the order of the live folio covering page @pfn, or -1. */
  orderAt(pfn: number): number {
    if (!(pfn >= 0 && pfn <= MAX_PFN)) return -1
    const c = this.chunk(pfn)
    return c === undefined ? -1 : c.ord[pfn & CHUNK_MASK]! - 1
  }

  /** headOf - the head PFN of the live folio covering page @pfn, or -1 (folios are naturally aligned). */
  headOf(pfn: number): number {
    const o = this.orderAt(pfn)
    return o < 0 ? -1 : pfn & ~((1 << o) - 1)
  }

  /** isHead - is @pfn the head of a live folio? @returns its order, or -1. */
  headOrder(pfn: number): number {
    const o = this.orderAt(pfn)
    return o >= 0 && (pfn & ((1 << o) - 1)) === 0 ? o : -1
  }

  /** firstCovered - the first page in [lo, hi) covered by a live folio, or -1. */
  firstCovered(lo: number, hi: number): number {
    let p = lo
    while (p < hi) {
      const c = this.chunk(p)
      const end = Math.min(hi, (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES)
      if (c !== undefined && c.pages > 0) {
        for (let q = p; q < end; q++) if (c.ord[q & CHUNK_MASK] !== 0) return q
      }
      p = end
    }
    return -1
  }

  /** setOrderRange - mark pages [pfn, pfn + n) as covered by a folio of order @order (-1: not covered). */
  setOrderRange(pfn: number, n: number, order: number): void {
    if (n === 1) {
      // the order-0 fast path
      const c = this.chunkForWrite(pfn)
      const j = pfn & CHUNK_MASK
      const before = c.ord[j] !== 0
      c.ord[j] = order + 1
      if (order >= 0 && !before) c.pages++
      else if (order < 0 && before) c.pages--
      return
    }
    let p = pfn
    const end = pfn + n
    while (p < end) {
      const c = this.chunkForWrite(p)
      const stop = Math.min(end, (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES)
      const j0 = p & CHUNK_MASK
      const j1 = j0 + (stop - p)
      const before = c.ord[j0] !== 0
      c.ord.fill(order + 1, j0, j1)
      if (order >= 0 && !before) c.pages += j1 - j0
      else if (order < 0 && before) c.pages -= j1 - j0
      p = stop
    }
  }

  /** pageRangeForWrite - call @fn(chunk, firstSlot, endSlot, firstPage) for each chunk piece of [pfn, pfn + n), writable. */
  forEachPiece(pfn: number, n: number, fn: (c: FolioChunk, j0: number, j1: number, page: number) => void): void {
    let p = pfn
    const end = pfn + n
    while (p < end) {
      const c = this.chunkForWrite(p)
      const stop = Math.min(end, (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES)
      const j0 = p & CHUNK_MASK
      fn(c, j0, j0 + (stop - p), p)
      p = stop
    }
  }

  /** forEachHead - every live folio's head PFN in ascending order, with its order. */
  forEachHead(fn: (pfn: number, order: number, c: FolioChunk, j: number) => void): void {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b)
    for (const k of keys) {
      const c = this.chunks.get(k)!
      const base = k * CHUNK_PAGES
      for (let j = 0; j < CHUNK_PAGES; j++) {
        const o = c.ord[j]! - 1
        if (o < 0) continue
        const pfn = base + j
        if ((pfn & ((1 << o) - 1)) === 0) fn(pfn, o, c, j)
        if (o > 0) j += Math.min((1 << o) - (pfn & ((1 << o) - 1)), CHUNK_PAGES) - 1
      }
    }
  }

  static readonly MASK = CHUNK_MASK
}
