import { emptyCostRow, type CostRow } from './costs.ts'
import { HVO_KEPT_STRUCT_PAGES, type FolioState } from './folioState.ts'

const STAMP_SIZE = 2 ** 18

/**
 * CostMeter - the cost accounting of one built-in scheme, as a single monomorphic object (the schemes are
 * seven subclasses; keeping these hot fields off `this` keeps the per-page loops' property loads
 * monomorphic). Every mapcount-family RMW is reported with {@link rmw}, plain stores with {@link store},
 * bit-spinlock acquisitions with {@link bitLock}; each names the struct page (= cache line) written, so
 * distinct lines per event and HVO conflicts follow.
 */
export class CostMeter {
  row: CostRow = emptyCostRow()
  private readonly stamp = new Int32Array(STAMP_SIZE)
  private gen = 0

  /** begin - a new event, charged to @row */
  begin(row: CostRow): void {
    this.row = row
    if (++this.gen === 0x7fffffff) {
      this.gen = 1
      this.stamp.fill(0)
    }
  }

  /** touch - struct page @line of @f is written */
  touch(f: FolioState, line: number): void {
    if (this.stamp[line] === this.gen) return
    this.stamp[line] = this.gen
    this.row.cacheLines++
    if (f.hvo && line >= HVO_KEPT_STRUCT_PAGES) this.row.hvoConflicts++
  }

  /** touchRange - struct pages [i, i + n) of @f are written */
  touchRange(f: FolioState, i: number, n: number): void {
    const st = this.stamp
    const g = this.gen
    let lines = 0
    let hvo = 0
    for (let k = i; k < i + n; k++) {
      if (st[k] === g) continue
      st[k] = g
      lines++
      if (k >= HVO_KEPT_STRUCT_PAGES) hvo++
    }
    this.row.cacheLines += lines
    if (f.hvo) this.row.hvoConflicts += hvo
  }

  /** rmw - one mapcount-family atomic read-modify-write on a word of struct page @line */
  rmw(f: FolioState, line: number): void {
    this.row.atomics++
    this.touch(f, line)
  }

  /** rmwRange - one RMW on a word of each struct page [i, i + n) (the per-page `_mapcount` loops) */
  rmwRange(f: FolioState, i: number, n: number): void {
    this.row.atomics += n
    this.touchRange(f, i, n)
  }

  /** store - a plain store (atomic_set / WRITE_ONCE) to a word of struct page @line */
  store(f: FolioState, line: number): void {
    this.touch(f, line)
  }

  /** bitLock - the v6.15 `_mm_ids` bit-spinlock on page[1]: one RMW to take it, a release store to drop it */
  bitLock(f: FolioState): void {
    this.row.atomics++
    this.row.bitLocks++
    this.touch(f, 1)
  }

  /** setPae - SetPageAnonExclusive on pages [i, i + n): one set_bit each */
  setPae(f: FolioState, i: number, n: number): void {
    const a = f.paes()
    for (let k = i; k < i + n; k++) a[k] = 1
    this.row.paeBitops += n
    this.touchRange(f, i, n)
  }

  /** clearPaeIfSet - try_dup / try_share: clear_bit only on the pages of [i, i + n) that have it */
  clearPaeIfSet(f: FolioState, i: number, n: number): void {
    const a = f.pae
    if (a === null) return
    for (let k = i; k < i + n; k++) {
      if (a[k] !== 1) continue
      a[k] = 0
      this.row.paeBitops++
      this.touch(f, k)
    }
  }
}
