import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { mixedEvents, rng, syntheticEvents } from '@mmsim/testing'
import type { MmEvent } from '../events/mmEvent.ts'
import { checkInvariants } from '../groundTruth/recount.ts'
import { folioTruth, pageMapcount } from '../groundTruth/folioTruth.ts'
import { truthSummary } from '../groundTruth/truthSummary.ts'
import { applyEvent } from '../reducers/applyEvent.ts'
import { emptyState, type MmState } from '../state/mmState.ts'
import { stateDigest } from '../state/stateDigest.ts'
import { Txn } from '../state/txn.ts'
import { toMmState } from './toMmState.ts'
import { truthDigest, truthFolio, truthPageMapcount, truthSummaryOf } from './truthQueries.ts'
import { TruthState } from './truthState.ts'

// The flat TruthState against the trie-based reducers of core/src/reducers (the implementation every golden
// digest and corpus result was produced with), event by event: same violations (index, type, message), same
// digest, same summary, same per-folio truth — on valid streams and on streams damaged at random.

/** damage - @events with random edits: drops, duplicates, swaps and fields nudged, so preconditions break. */
function damage(events: readonly MmEvent[], seed: number, rate: number): MmEvent[] {
  const r = rng(seed)
  const out: MmEvent[] = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const x = r()
    if (x >= rate) {
      out.push(e)
      continue
    }
    const k = Math.floor(r() * 5)
    if (k === 0) continue // dropped
    if (k === 1) out.push(e, e) // duplicated
    else if (k === 2 && i + 1 < events.length) out.push(events[++i]!, e) // swapped with the next
    else {
      const copy = { ...e } as Record<string, unknown>
      const fields = Object.keys(copy).filter((f) => typeof copy[f] === 'number')
      if (fields.length > 0) {
        const f = fields[Math.floor(r() * fields.length)]!
        const deltas = [1, -1, 512, -512, 7, 262144]
        copy[f] = Math.max(0, (copy[f] as number) + deltas[Math.floor(r() * deltas.length)]!)
      }
      out.push(copy as unknown as MmEvent)
    }
  }
  return out
}

/** touched - folio heads and pages an event names (to compare their truth after it). */
function touched(e: MmEvent): number[] {
  const o = e as unknown as Record<string, number>
  return [o.folio, o.page, o.newFolio].filter((x): x is number => typeof x === 'number')
}

function compareAll(events: readonly MmEvent[]): void {
  let old: MmState = emptyState()
  let tx = new Txn(old, true)
  const t = new TruthState()
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const before = tx.violationTotal
    applyEvent(tx, e)
    const ok = t.apply(e)
    expect(ok, `event ${i} ${e.type}`).toBe(tx.violationTotal === before)
    expect(t.violationCount, `event ${i} ${e.type}`).toBe(tx.violationTotal)
    for (const p of touched(e)) {
      old = tx.commit()
      tx = new Txn(old, true)
      expect(truthPageMapcount(t, p), `page mapcount of ${p} after event ${i}`).toBe(pageMapcount(old, p))
      expect(truthFolio(t, p), `folio ${p} after event ${i}`).toEqual(folioTruth(old, p))
    }
  }
  old = tx.commit()
  expect(t.violations).toEqual(old.violations)
  expect(t.eventCounts).toEqual(old.eventCounts)
  expect(truthSummaryOf(t)).toEqual(truthSummary(old))
  expect(truthDigest(t)).toBe(stateDigest(old))
  expect(stateDigest(toMmState(t))).toBe(stateDigest(old))
  if (old.violationCount === 0) expect(checkInvariants(toMmState(t))).toEqual([])
}

// traces/hgm/hgm-1g-2m-continue.scenario as the simulator records it (causes dropped): HGM PMDs mapping 2 MiB
// pieces of a 1 GiB HugeTLB folio F = 0x140000, next to 4K HGM PTEs; checks after event 18, 26 and 29
const HGM_1G_2M: MmEvent[] = ([
  { type: 'process/created', pid: 0 },
  { type: 'folio/allocated', folio: 1048576, order: 0, kind: 'zero', file: 0, index: 0 },
  { type: 'folio/allocated', folio: 1049088, order: 9, kind: 'hugezero', file: 0, index: 0 },
  { type: 'hugetlb/poolGrown', folio: 1310720, order: 18 },
  { type: 'vma/mapped', pid: 0, vpn: 16777216, nrPages: 262144, kind: 'hugetlb', shared: true, writable: true, file: 1, pgoff: 0 },
  { type: 'hugetlb/hgmEnabled', pid: 0, vpn: 16777216, nrPages: 262144 },
  { type: 'hugetlb/hgmTableAllocated', pid: 0, vpn: 16777216, level: 'pmd' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16777728, folio: 1310720, page: 1311232, level: 'pmd' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16778240, folio: 1310720, page: 1311744, level: 'pmd' },
  { type: 'hugetlb/hgmTableAllocated', pid: 0, vpn: 16778752, level: 'pte' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16778752, folio: 1310720, page: 1312256, level: 'pte' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16778753, folio: 1310720, page: 1312257, level: 'pte' },
  { type: 'hugetlb/hgmTableAllocated', pid: 0, vpn: 16777216, level: 'pte' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16777472, folio: 1310720, page: 1310976, level: 'pte' },
  { type: 'hugetlb/hgmRmapAdded', pid: 0, vpn: 16779264, folio: 1310720, page: 1312768, level: 'pmd' },
  { type: 'process/forked', pid: 0, child: 1 },
  { type: 'hugetlb/hgmTableAllocated', pid: 1, vpn: 16777216, level: 'pmd' },
  { type: 'hugetlb/hgmRmapAdded', pid: 1, vpn: 16777728, folio: 1310720, page: 1311232, level: 'pmd' },
  { type: 'check/marked', line: 20 },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16777472, folio: 1310720, page: 1310976, level: 'pte' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16777728, folio: 1310720, page: 1311232, level: 'pmd' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16778240, folio: 1310720, page: 1311744, level: 'pmd' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16778752, folio: 1310720, page: 1312256, level: 'pte' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16778753, folio: 1310720, page: 1312257, level: 'pte' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 0, vpn: 16779264, folio: 1310720, page: 1312768, level: 'pmd' },
  { type: 'vma/unmapped', pid: 0, vpn: 16777216, nrPages: 262144 },
  { type: 'check/marked', line: 22 },
  { type: 'hugetlb/hgmRmapRemoved', pid: 1, vpn: 16777728, folio: 1310720, page: 1311232, level: 'pmd' },
  { type: 'hugetlb/rmapAdded', pid: 1, vpn: 16777216, folio: 1310720, level: 'pud', mode: 'file', exclusive: false },
  { type: 'check/marked', line: 24 },
] as Record<string, unknown>[]).map((e) => ({ ...e, cause: 'hgm-1g-2m-continue' }) as unknown as MmEvent)

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })

// dozens of runs through both implementations: 15-30 s each on an idle 2-core machine, 60-120 s when it is
// shared (the limit bounds a hang, it does not measure speed)
const PROP_TIMEOUT_MS = 300_000

describe('TruthState (flat struct-of-arrays ground truth) equals the trie-based reducers', () => {
  test.prop([seed, fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 1, max: 6 })], { numRuns: 40 })(
    'on valid synthetic streams (anon, THP, mTHP, zero pages, fork, COW, splits)', (s, n, maxProcs) => {
      compareAll(syntheticEvents(n, { seed: s, maxProcs, regionChunks: 1 }))
    },
    PROP_TIMEOUT_MS,
  )

  test.prop([seed, fc.integer({ min: 1, max: 1200 })], { numRuns: 30 })(
    'on valid mixed streams (file, shmem, HugeTLB, HVO, migration, mremap)', (s, n) => {
      compareAll(mixedEvents(n, { seed: s, maxProcs: 4 }))
    },
    PROP_TIMEOUT_MS,
  )

  test.prop([seed, fc.integer({ min: 1, max: 800 }), seed, fc.double({ min: 0.01, max: 0.3, noNaN: true })], { numRuns: 60 })(
    'on damaged streams: the same violations, with the same messages, at the same events', (s, n, s2, rate) => {
      compareAll(damage(syntheticEvents(n, { seed: s, maxProcs: 4, regionChunks: 1 }), s2, rate))
      compareAll(damage(mixedEvents(n, { seed: s, maxProcs: 4 }), s2, rate))
    },
    PROP_TIMEOUT_MS,
  )

  test.prop([seed, fc.integer({ min: 50, max: 1500 }), fc.integer({ min: 1, max: 300 })], { numRuns: 25 })(
    'a checkpoint stays as it was while the live state goes on, and a state resumed from it equals a replay',
    (s, n, every) => {
      const events = mixedEvents(n, { seed: s, maxProcs: 4 }).concat(syntheticEvents(n, { seed: s, maxProcs: 3, regionChunks: 1 }))
      const t = new TruthState()
      const cps: { cp: ReturnType<TruthState['checkpoint']>; digest: string; at: number }[] = []
      events.forEach((e, i) => {
        if (i % every === 0) {
          const cp = t.checkpoint()
          cps.push({ cp, digest: truthDigest(cp), at: i })
        }
        t.apply(e)
      })
      for (const c of cps) expect(truthDigest(c.cp)).toBe(c.digest)
      const final = truthDigest(t)
      const mid = cps[Math.floor(cps.length / 2)]!
      const resumed = new TruthState(mid.cp)
      for (let i = mid.at; i < events.length; i++) resumed.apply(events[i]!)
      expect(truthDigest(resumed)).toBe(final)
      expect(truthDigest(mid.cp)).toBe(mid.digest)
    },
    PROP_TIMEOUT_MS,
  )
})

describe('TruthState edge cases worked by hand', () => {
  test('HGM PMDs in a 1 GiB HugeTLB folio: both truths, the summary and the recount agree with the hand count', () => {
    compareAll(HGM_1G_2M)
    const F = 0x140000
    const firstCheck = HGM_1G_2M.findIndex((e) => e.type === 'check/marked')
    let old: MmState = emptyState()
    const tx = new Txn(old, true)
    for (const e of HGM_1G_2M.slice(0, firstCheck)) applyEvent(tx, e)
    old = tx.commit()
    expect(old.violationCount).toBe(0)
    expect(checkInvariants(old)).toEqual([])
    // p0: PMDs at 2M, 4M, 8M and PTEs at 1M, 6M, 6M+4K; p1: the PMD at 2M (the scenario's comment)
    expect(folioTruth(old, F)?.mapcount).toBe(7)
    expect(pageMapcount(old, F + 512)).toBe(2)
    expect(pageMapcount(old, F + 1023)).toBe(2)
    expect(pageMapcount(old, F + 1024)).toBe(1)
    expect(pageMapcount(old, F + 256)).toBe(1)
    expect(pageMapcount(old, F)).toBe(0)
    const s = truthSummary(old)
    expect(s.entries).toEqual({ pte: 3, pmd: 4, pud: 0 })
    expect(s.pageMapcountSum).toBe(4 * 512 + 3)
    expect(s.mappedFolios).toBe(1)
    expect(s.partiallyMappedFolios).toBe(1)
  })

  test('an unknown event type is counted and is a violation', () => {
    const t = new TruthState()
    expect(t.apply({ type: 'rmap/bogus', cause: 'x:1' } as unknown as MmEvent)).toBe(false)
    expect(t.violations[0]).toEqual({ index: 0, type: 'rmap/bogus', cause: 'x:1', message: "unknown event type 'rmap/bogus'" })
    expect(t.eventCounts).toEqual({ 'rmap/bogus': 1 })
  })

  test('a folio beyond the largest PFN an Int32 PTE can hold is refused, not wrapped', () => {
    const t = new TruthState()
    t.apply({ type: 'folio/allocated', folio: 2 ** 40, order: 0, kind: 'anon', file: 0, index: 0, cause: '' })
    expect(t.violationCount).toBe(1)
    expect(t.violations[0]!.message).toMatch(/beyond the largest PFN/)
  })

  test('freeing the last folio of a chunk drops the chunk (memory follows live folios)', () => {
    const t = new TruthState()
    t.apply({ type: 'folio/allocated', folio: 8192, order: 9, kind: 'anon', file: 0, index: 0, cause: '' })
    t.apply({ type: 'folio/allocated', folio: 8704, order: 0, kind: 'anon', file: 0, index: 0, cause: '' })
    expect(t.folios.chunks.size).toBe(1)
    t.apply({ type: 'folio/freed', folio: 8192, cause: '' })
    expect(t.folios.chunks.size).toBe(1)
    t.apply({ type: 'folio/freed', folio: 8704, cause: '' })
    expect(t.folios.chunks.size).toBe(0)
    expect(t.violationCount).toBe(0)
  })
})
