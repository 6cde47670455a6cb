import type { MmEvent } from '@mmsim/core'
import { readTraceSync } from '@mmsim/trace'

/**
 * eventFolio - the folio head PFN event @e names (its `folio` field; `newFolio` for a migration), or -1
 * for events that name none (process, VMA, pool and mark events) and for the shared zero pages (their
 * mapcount is always 0: a track of them shows nothing).
 */
export function eventFolio(e: MmEvent): number {
  if (e.type === 'folio/migrated') return e.newFolio
  if (e.type === 'zeropage/mapped' || e.type === 'zeropage/unmapped') return -1
  if (e.type === 'folio/allocated' && (e.kind === 'zero' || e.kind === 'hugezero')) return -1
  const f = (e as { folio?: unknown }).folio
  return typeof f === 'number' && f >= 0 ? f : -1
}

/**
 * TopCounter - the Misra–Gries "frequent items" summary: at most @capacity counters, whatever the number of
 * distinct keys. Every key seen more than total/(@capacity + 1) times is guaranteed to be kept, and a kept
 * count is at most that much below the true count. O(1) amortized per {@link add}.
 */
export class TopCounter {
  private readonly counts = new Map<number, number>()
  constructor(private readonly capacity: number) {}

  /** add - one occurrence of @key. */
  add(key: number): void {
    const c = this.counts.get(key)
    if (c !== undefined) {
      this.counts.set(key, c + 1)
      return
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, 1)
      return
    }
    // no free counter: decrement every counter (this occurrence cancels one of each)
    for (const [k, v] of this.counts) {
      if (v <= 1) this.counts.delete(k)
      else this.counts.set(k, v - 1)
    }
  }

  /** top - the @n keys with the highest kept counts (ties: lower key first). */
  top(n: number): number[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, n)
      .map(([k]) => k)
  }
}

/**
 * busiestFolios - the first, cheap pass of the Perfetto export: decode @file (no ground truth, no schemes) and
 * return up to @n head PFNs named by the most events (see {@link eventFolio}), busiest first. Memory is a
 * {@link TopCounter} of 64·@n counters (at least 1024), not one counter per folio, so the answer is the exact
 * top @n whenever those folios stand out (each named by more than 1/(64·@n) of the events) and a good
 * approximation otherwise. A PFN reused by a later folio counts for both.
 * Throws the trace's TraceError when @file is not a readable trace.
 */
export function busiestFolios(file: string, n: number): number[] {
  const counter = new TopCounter(Math.max(1024, 64 * n))
  let dec = null
  for (const item of readTraceSync(file)) {
    if (item.kind === 'header') dec = item.decoder
    else if (item.kind === 'frame')
      dec!.forEach(item.frame, (e) => {
        const f = eventFolio(e)
        if (f >= 0) counter.add(f)
      })
  }
  return counter.top(n)
}
