import { applyEvent, emptyState, Txn, type MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { STRATEGIES } from './registry.ts'
import type { SchemeState } from './schemeState.ts'
import { alloc, free, newAnon, proc, vma } from './testEvents.ts'

/*
 * SchemeBase's queries leave their cursor on the last folio asked about and reuse it while the state's
 * layout generation is unchanged. These check that a query after a change of layout (free, a new folio of
 * another order at the same PFN, a restore, another state of the same scheme) sees the new folio, not the
 * one the cursor was left on. Expected values by hand: an order-0 anon folio mapped once by a PTE has
 * folio_mapcount 1; freed, the PFN has no folio (0); an order-2 folio there, mapped whole by PTEs, has
 * folio_mapcount 4 and kpagecount 1 on each page, entire_mapcount 0; on the PFN 0x1004 just past it: 0.
 */
describe('scheme queries: the reused query cursor follows layout changes', () => {
  for (const st of STRATEGIES.filter((s) => s.id.startsWith('linux-'))) {
    test(st.id, () => {
      const tx = new Txn(emptyState())
      let s = st.init() as SchemeState
      const run = (...events: MmEvent[]): void => {
        for (const e of events) {
          const before = tx.violationTotal
          applyEvent(tx, e)
          expect(tx.violationTotal).toBe(before)
          if (st.handles.has(e.type)) st.apply(s, e, tx)
        }
      }
      run(proc(1), vma(1, 0x100, 16), alloc(0x1000, 0), newAnon(1, 0x100, 0x1000, 1, 'pte'))
      expect(st.folioMapcount(s, 0x1000)).toBe(1)
      expect(st.kpagecount(s, 0x1000)).toBe(1)
      const snap = st.snapshot(s)
      run({ type: 'rmap/removed', pid: 1, vpn: 0x100, folio: 0x1000, page: 0x1000, nrPages: 1, level: 'pte', cause: '' } as MmEvent, free(0x1000))
      expect(st.folioMapcount(s, 0x1000)).toBe(0)
      expect(st.kpagecount(s, 0x1000)).toBe(0)
      run(alloc(0x1000, 2), newAnon(1, 0x104, 0x1000, 4, 'pte'))
      expect(st.folioMapcount(s, 0x1000)).toBe(4)
      expect(st.entireMapcount(s, 0x1000)).toBe(0)
      expect(st.kpagecount(s, 0x1003)).toBe(1)
      expect(st.kpagecount(s, 0x1004)).toBe(0)
      expect([4, null]).toContain(st.nrPagesMapped(s, 0x1000)) // null: the scheme does not track it
      // the snapshot (another state, same chunk layout as before the free) still answers its own folio
      expect(st.folioMapcount(snap, 0x1000)).toBe(1)
      expect([1, null]).toContain(st.nrPagesMapped(snap, 0x1000))
      expect(st.folioMapcount(s, 0x1000)).toBe(4)
      s = st.restore(snap) as SchemeState
      expect(st.folioMapcount(s, 0x1000)).toBe(1)
      expect(st.kpagecount(s, 0x1003)).toBe(0)
    })
  }
})
