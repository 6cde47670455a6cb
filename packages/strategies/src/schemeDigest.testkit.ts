import { createHash } from 'node:crypto'
import { applyEvent, emptyState, trieForEach, Txn, type MmEvent } from '@mmsim/core'
import { mixedEvents, syntheticEvents } from '@mmsim/testing'
import type { AnyStrategy } from './strategy.ts'

/** DIGEST_STREAMS - the seeded streams the scheme digests are taken over (anon with forks/COW/THP; file, shmem, HugeTLB incl. 1 GiB, splits, migrations, HVO) */
export const DIGEST_STREAMS: readonly { name: string; events: () => MmEvent[] }[] = [
  ...[1, 2, 3].map((seed) => ({ name: `anon seed ${seed}`, events: () => syntheticEvents(3000, { seed, maxProcs: 4, regionChunks: 2 }) })),
  ...[1, 2, 3].map((seed) => ({ name: `mixed seed ${seed}`, events: () => mixedEvents(3000, { seed }) })),
]

/**
 * schemeDigest - run @events (valid) through the ground truth and @st, and hash everything observable at
 * the end: per live folio every folio query and its invariants, per page (first 1024) every page query,
 * a few PFNs with no folio, the cost table (rows in order, the original columns) and the "Bad page state" reports.
 */
export function schemeDigest(st: AnyStrategy, events: readonly MmEvent[]): string {
  const s = st.init()
  const tx = new Txn(emptyState())
  for (const e of events) {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal === before && st.handles.has(e.type)) st.apply(s, e, tx)
  }
  const state = tx.commit()
  const h = createHash('sha256')
  trieForEach(state.folios, (k, f) => {
    const a: unknown[] = [k, st.folioMapcount(s, k), st.entireMapcount(s, k), st.nrPagesMapped(s, k), st.mappedShared(s, k), st.partiallyMapped(s, k), st.checkInvariants?.(s, k) ?? []]
    for (let i = 0; i < Math.min(2 ** f.order, 1024); i++) {
      const p = k + i
      a.push(st.pageMapcount(s, p), st.anonExclusive(s, p), st.kpagecount(s, p), st.pagemapExclusive(s, p, 'pte'), st.pagemapExclusive(s, p, 'pmd'))
    }
    h.update(JSON.stringify(a))
  })
  for (const p of [0, 1, 12345, 0x7000000]) h.update(JSON.stringify([st.folioMapcount(s, p), st.pageMapcount(s, p), st.kpagecount(s, p), st.anonExclusive(s, p)]))
  // the cost columns the per-folio implementation had, in its key order (columns added since, hvoWrites,
  // rmapCalls, folioLookups, are pinned by their own tests, so the digests stay comparable)
  h.update(JSON.stringify([...st.costs(s)].map(([k, r]) => [k, { events: r.events, atomics: r.atomics, paeBitops: r.paeBitops, cacheLines: r.cacheLines, bitLocks: r.bitLocks, hvoConflicts: r.hvoConflicts }])))
  h.update(JSON.stringify(st.freeViolations(s)))
  return h.digest('hex').slice(0, 16)
}
