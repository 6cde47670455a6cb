import { TruthState, type MmEvent } from '@mmsim/core'
import { StrategySet, totalCost, type AnyStrategy, type StrategyRun } from '@mmsim/strategies'
import { traceItems } from '@mmsim/trace'
import { damagedTrace } from './damagedTrace.ts'

/** HvoWrite - the first event (0-based index, a copy) after which a scheme has written a struct page HVO maps read-only. */
export interface HvoWrite {
  index: number
  event: MmEvent
}

/** hvoWritesOf - events so far of @run that wrote an HVO-freed struct page (O(1) for built-in schemes; a plugin's cost rows summed) */
export function hvoWritesOf(run: StrategyRun): number {
  const st = run.strategy
  return st.hvoWrites !== undefined ? st.hvoWrites(run.state) : totalCost(st.costs(run.state)).hvoWrites
}

/**
 * HvoWriteTracker - per run of a {@link StrategySet}, the first event after which it had written a struct
 * page that HVO remapped read-only (cost column hvoWrites; 6.18 layout: struct pages ≥ 64 of an optimized
 * HugeTLB folio). Call {@link after} with each event once the set has applied it.
 */
export class HvoWriteTracker {
  readonly first: (HvoWrite | null)[]
  constructor(private readonly set: StrategySet) {
    this.first = set.runs.map(() => null)
  }

  /** after - event @e (number @index) was applied; @returns true when some run wrote freed vmemmap for the first time */
  after(e: MmEvent, index: number): boolean {
    let found = false
    const runs = this.set.runs
    for (let k = 0; k < runs.length; k++) {
      if (this.first[k] !== null || hvoWritesOf(runs[k]!) === 0) continue
      this.first[k] = { index, event: { ...e } as MmEvent }
      found = true
    }
    return found
  }
}

/** HvoWriteResult - `mmsim bisect --hvo-write`: the first such event of @label (null: none), events scanned and skipped. */
export interface HvoWriteResult {
  label: string
  first: HvoWrite | null
  events: number
  skipped: number
}

/**
 * bisectHvoWrite - the first event of trace @file after which scheme @st has written a struct page HVO
 * freed (one pass beside the ground truth, stopping there; events that break a precondition are not
 * handed to the scheme).
 */
export async function bisectHvoWrite(file: string, st: AnyStrategy, onProgress?: (bytesRead: number, fileSize: number, events: number) => void): Promise<HvoWriteResult> {
  const truth = new TruthState()
  const set = new StrategySet([st])
  const tracker = new HvoWriteTracker(set)
  let events = 0
  let skipped = 0
  let fileSize = 0
  let decoder: Extract<Awaited<ReturnType<typeof traceItems>> extends AsyncIterable<infer I> ? I : never, { kind: 'header' }>['decoder'] | null = null
  for await (const item of traceItems(file)) {
    if (item.kind === 'header') {
      decoder = item.decoder
      fileSize = item.fileSize
    } else if (item.kind === 'frame') {
      let stop = false
      decoder!.forEach(item.frame, (e) => {
        if (stop) return
        const i = events++
        if (!truth.apply(e)) {
          skipped++
          return
        }
        set.apply(e, truth)
        if (tracker.after(e, i)) stop = true
      })
      onProgress?.(item.offset, fileSize, events)
      if (stop) break
    } else if (item.kind === 'damage') {
      throw damagedTrace(file, item.damage, 'bisect --hvo-write')
    }
  }
  return { label: st.id, first: tracker.first[0] ?? null, events, skipped }
}
