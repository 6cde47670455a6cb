import { describe, expect, it } from 'vitest'
import { mmEvent as ev } from '../events/factory.ts'
import type { MmEvent } from '../events/mmEvent.ts'
import { truthPageMapcount } from './truthQueries.ts'
import { TruthState } from './truthState.ts'

// Reducers are total for every representable value: a VMA of 2^40 pages (4 PiB) is legal input, and
// munmap/mremap over it must cost the page tables that exist, not the 2^31 PMD slots of the range
// (a fuzzed JSONL line `vma/unmapped … nrPages 2^40` took 100 s before).

const BIG = 2 ** 40
const V = 0x40000 // vpn of the VMA (1 GiB aligned)
const F = 0x1000 // pfn of a 2 MiB anon folio

function run(events: readonly MmEvent[]): { t: TruthState; ms: number } {
  const t = new TruthState()
  const t0 = performance.now()
  for (const e of events) t.apply(e)
  return { t, ms: performance.now() - t0 }
}

const setup: MmEvent[] = [
  ev('process/created', { pid: 0 }),
  ev('vma/mapped', { pid: 0, vpn: V, nrPages: BIG, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0 }),
  ev('folio/allocated', { folio: F, order: 9, kind: 'anon', file: 0, index: 0 }),
  // two PTEs far into the VMA (3 TiB in), and page 5 of the folio at the VMA's start
  ev('rmap/newAnonAdded', { pid: 0, vpn: V + 2 ** 38 * 3, folio: F, page: F, nrPages: 2, level: 'pte' }),
  ev('rmap/anonAdded', { pid: 0, vpn: V + 5, folio: F, page: F + 5, nrPages: 1, level: 'pte', exclusive: true }),
]

describe('ground truth over huge ranges', () => {
  it('munmap of a 2^40-page range names the first mapped vpn, then unmaps once the entries are zapped', () => {
    const { t, ms } = run([
      ...setup,
      ev('vma/unmapped', { pid: 0, vpn: V, nrPages: BIG }),
      ev('rmap/removed', { pid: 0, vpn: V + 5, folio: F, page: F + 5, nrPages: 1, level: 'pte' }),
      ev('vma/unmapped', { pid: 0, vpn: V, nrPages: BIG }),
      ev('rmap/removed', { pid: 0, vpn: V + 2 ** 38 * 3, folio: F, page: F, nrPages: 2, level: 'pte' }),
      ev('vma/unmapped', { pid: 0, vpn: V, nrPages: BIG }),
      ev('process/exited', { pid: 0 }),
    ])
    expect(t.violations.map((v) => [v.index, v.message])).toEqual([
      [5, `munmap of p0 leaves vpn 0x${(V + 5).toString(16)} mapped (zap it first)`],
      [7, `munmap of p0 leaves vpn 0x${(V + 2 ** 38 * 3).toString(16)} mapped (zap it first)`],
    ])
    expect(t.procTables(0)).toBeUndefined()
    expect(ms).toBeLessThan(2000)
  })

  it('mremap of a 2^40-page range moves the entries that exist, by the offset of the move', () => {
    const to = V + BIG + 2 ** 30 // past the VMA, 1 GiB aligned
    const { t, ms } = run([...setup, ev('vma/moved', { pid: 0, vpn: V, nrPages: BIG, newVpn: to })])
    expect(t.violations).toEqual([])
    expect(t.procTables(0)!.present).toBe(3)
    const pt = t.procTables(0)!
    const at = (vpn: number): number => pt.table(Math.floor(vpn / 512))?.[vpn % 512] ?? 0
    // a PTE holds pfn + 1
    expect([at(to + 5), at(to + 2 ** 38 * 3), at(to + 2 ** 38 * 3 + 1)]).toEqual([F + 5 + 1, F + 1, F + 2])
    expect([at(V + 5), at(V + 2 ** 38 * 3)]).toEqual([0, 0])
    expect(truthPageMapcount(t, F + 5)).toBe(1)
    expect(ms).toBeLessThan(2000)
  })
})
