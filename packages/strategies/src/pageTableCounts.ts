import { SchemeState } from './schemeState.ts'

/**
 * PageTableCounts - a scheme state that also keeps counts per page-table location: what a kernel's page-table
 * walk finds in the page tables themselves (how many entries of one hstate-level range or of one page
 * table map a folio), which the proposal schemes consult to decide "first" and "last" without a word in
 * any struct page. Keys are numbers (no allocation per event): see {@link rangeKey}. Snapshots copy the map.
 * @counts: key -> entries (a key is deleted when its count reaches 0)
 */
export class PageTableCounts extends SchemeState {
  counts = new Map<number, number>()

  override clone(): SchemeState {
    const c = super.clone() // the base copy (and this state's new epoch)
    Object.setPrototypeOf(c, PageTableCounts.prototype)
    ;(c as PageTableCounts).counts = new Map(this.counts)
    return c
  }

  /** bump - the count of @key += @d; @returns the new count */
  bump(key: number, d: number): number {
    const v = (this.counts.get(key) ?? 0) + d
    if (v === 0) this.counts.delete(key)
    else this.counts.set(key, v)
    return v
  }
}

/**
 * rangeKey - the number naming the 2^@shift-page aligned virtual range of process @pid containing @vpn
 * (e.g. shift 9: one PTE table's 2 MiB; the hstate-level range of a HugeTLB folio of order @shift), with
 * @tag (0–7) to tell kinds of keys apart. pid < 2^20 and vpn < 2^36 (x86-64 4-level, 48-bit addresses) fit
 * exactly in a double.
 */
export function rangeKey(pid: number, vpn: number, shift: number, tag = 0): number {
  return (pid * 8 + tag) * 2 ** 28 + Math.floor(vpn / 2 ** shift)
}
