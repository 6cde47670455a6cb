import { emptyCostRow, type CostRow } from './costs.ts'
import { HVO_KEPT_STRUCT_PAGES, type FolioState } from './folioState.ts'

/**
 * CostMeter - the cost accounting of one built-in scheme, as a single monomorphic object (the schemes are
 * seven subclasses; keeping these hot fields off `this` keeps the per-page loops' property loads
 * monomorphic). Every mapcount-family RMW is reported with {@link rmw}, plain stores with {@link store},
 * bit-spinlock acquisitions with {@link bitLock}; each names the struct page (= cache line) written, so
 * distinct lines per event and HVO conflicts follow.
 */
export class CostMeter {
  row: CostRow = emptyCostRow()
  // the struct pages written by the current event, as disjoint intervals [lo, hi) (few per event)
  private lo = new Int32Array(16)
  private hi = new Int32Array(16)
  private k = 0

  /** begin - a new event, charged to @row */
  begin(row: CostRow): void {
    this.row = row
    this.k = 0
  }

  /** touchRange - struct pages [i, i + n) of @f are written: count the ones not yet written by this event */
  touchRange(f: FolioState, i: number, n: number): void {
    let a = i
    const b = i + n
    let fresh = n
    let hvo = f.hvo ? Math.max(0, b - Math.max(a, HVO_KEPT_STRUCT_PAGES)) : 0
    const lo = this.lo
    const hi = this.hi
    // subtract the overlap with the intervals already written, merging them into [a, b)
    let nb = b
    for (let j = 0; j < this.k; j++) {
      const l = lo[j]!
      const h = hi[j]!
      if (h < a || l > nb) continue
      const ol = Math.max(l, i)
      const oh = Math.min(h, b)
      if (oh > ol) {
        fresh -= oh - ol
        if (f.hvo) hvo -= Math.max(0, oh - Math.max(ol, HVO_KEPT_STRUCT_PAGES))
      }
      a = Math.min(a, l)
      nb = Math.max(nb, h)
      // drop interval j (merged)
      this.k--
      lo[j] = lo[this.k]!
      hi[j] = hi[this.k]!
      j--
    }
    if (this.k === lo.length) {
      this.lo = new Int32Array(lo.length * 2)
      this.lo.set(lo)
      this.hi = new Int32Array(hi.length * 2)
      this.hi.set(hi)
    }
    this.lo[this.k] = a
    this.hi[this.k] = nb
    this.k++
    this.row.cacheLines += fresh
    this.row.hvoConflicts += hvo
  }

  /** touch - struct page @line of @f is written */
  touch(f: FolioState, line: number): void {
    this.touchRange(f, line, 1)
  }

  /** rmw - one mapcount-family atomic read-modify-write on a word of struct page @line */
  rmw(f: FolioState, line: number): void {
    this.row.atomics++
    this.touchRange(f, line, 1)
  }

  /** rmwRange - one RMW on a word of each struct page [i, i + n) (the per-page `_mapcount` loops) */
  rmwRange(f: FolioState, i: number, n: number): void {
    this.row.atomics += n
    this.touchRange(f, i, n)
  }

  /** store - a plain store (atomic_set / WRITE_ONCE) to a word of struct page @line */
  store(f: FolioState, line: number): void {
    this.touchRange(f, line, 1)
  }

  /** bitLock - the v6.15 `_mm_ids` bit-spinlock on page[1]: one RMW to take it, a release store to drop it */
  bitLock(f: FolioState): void {
    this.row.atomics++
    this.row.bitLocks++
    this.touchRange(f, 1, 1)
  }

  /** setPae - SetPageAnonExclusive on pages [i, i + n): one set_bit each */
  setPae(f: FolioState, i: number, n: number): void {
    const a = f.paes()
    let added = 0
    for (let k = i; k < i + n; k++) {
      added += 1 - a[k]!
      a[k] = 1
    }
    f.paeSet += added
    this.row.paeBitops += n
    this.touchRange(f, i, n)
  }

  /** clearPaeIfSet - try_dup / try_share: clear_bit only on the pages of [i, i + n) that have it */
  clearPaeIfSet(f: FolioState, i: number, n: number): void {
    const a = f.pae
    if (a === null || f.paeSet === 0) return
    for (let k = i; k < i + n; k++) {
      if (a[k] !== 1) continue
      a[k] = 0
      f.paeSet--
      this.row.paeBitops++
      this.touchRange(f, k, 1)
    }
  }
}
