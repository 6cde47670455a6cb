const SHIFT = 12
const PAGES = 1 << SHIFT
const MASK = PAGES - 1

interface BitChunk {
  bits: Uint8Array
  set: number
}

/**
 * PfnBits - a set of PFNs (below 2^31, as the ground truth's) as one byte per page in chunks of 4096 PFNs (a Map of chunks with a last-chunk
 * cache): what `Set<number>` was for "this page holds data", without a hash entry per page. A chunk is
 * dropped when its last PFN leaves, so memory follows the live pages, not every PFN ever used (the
 * simulated allocator never reuses PFNs).
 */
export class PfnBits {
  private readonly chunks = new Map<number, BitChunk>()
  private lastKey = -1
  private last: BitChunk | undefined = undefined

  private chunk(pfn: number): BitChunk | undefined {
    const k = pfn >>> SHIFT
    if (k === this.lastKey) return this.last
    const c = this.chunks.get(k)
    this.lastKey = k
    this.last = c
    return c
  }

  /** has - is @pfn in the set? */
  has(pfn: number): boolean {
    const c = this.chunk(pfn)
    return c !== undefined && c.bits[pfn & MASK] === 1
  }

  /** add - put @pfn in the set. */
  add(pfn: number): void {
    let c = this.chunk(pfn)
    if (c === undefined) {
      c = { bits: new Uint8Array(PAGES), set: 0 }
      this.chunks.set(pfn >>> SHIFT, c)
      this.last = c
    }
    const j = pfn & MASK
    if (c.bits[j] === 0) {
      c.bits[j] = 1
      c.set++
    }
  }

  /** delete - take @pfn out of the set. */
  delete(pfn: number): void {
    const c = this.chunk(pfn)
    if (c === undefined) return
    const j = pfn & MASK
    if (c.bits[j] === 0) return
    c.bits[j] = 0
    if (--c.set === 0) {
      this.chunks.delete(pfn >>> SHIFT)
      this.lastKey = -1
      this.last = undefined
    }
  }

  /** deleteRange - take [pfn, pfn + n) out of the set. */
  deleteRange(pfn: number, n: number): void {
    for (let i = 0; i < n; i++) this.delete(pfn + i)
  }
}

/**
 * FolioList - folio heads in first-touch order, growing as needed (what zap's `Set<number>` of touched folios
 * was): a head equal to the last one pushed is not pushed again. Other repeats may stay in the list; the
 * callers free folios idempotently, so a repeat changes nothing.
 */
export class FolioList {
  heads = new Float64Array(64)
  length = 0

  /** push - @head lost a mapping. */
  push(head: number): void {
    if (this.length > 0 && this.heads[this.length - 1] === head) return
    if (this.length === this.heads.length) {
      const bigger = new Float64Array(this.heads.length * 2)
      bigger.set(this.heads)
      this.heads = bigger
    }
    this.heads[this.length++] = head
  }
}
