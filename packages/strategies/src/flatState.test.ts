import { applyEvent, emptyState, trieForEach, Txn, type MmEvent, type MmState } from '@mmsim/core'
import { mixedEvents } from '@mmsim/testing'
import { describe, expect, test } from 'vitest'
import { STRATEGIES, strategyById } from './registry.ts'
import { PRISTINE_HW } from './schemeChunk.ts'
import { DIGEST_STREAMS, schemeDigest } from './schemeDigest.testkit.ts'
import type { SchemeState } from './schemeState.ts'
import { alloc, free, newAnon, proc, remove, vma } from './testEvents.ts'
import type { AnyStrategy } from './strategy.ts'

/*
 * The schemes' state is flat (per-PFN chunks, integer cost rows). These digests of everything observable
 * (schemeDigest: every query on every live folio and page, invariants, the cost table in row order, the
 * "Bad page state" reports) were computed with the per-folio implementation this replaced (one FolioState
 * object per folio in a Map, Map<string, CostRow> cost rows; commit c10e53e): the flat state must not
 * change a single answer or count.
 */
const BEFORE_FLAT: Record<string, Record<string, string>> = {
  'anon seed 1': {
    'linux-6.1': '631ffe89489aa1a3',
    'linux-6.2': '858a3ff927ea17dd',
    'linux-6.8': 'd6110b0c9ceb14a7',
    'linux-6.10': 'b694148f8a2ce834',
    'linux-6.12': 'b17ccc6916eb486f',
    'linux-6.15': '3aa7a9196c8dea54',
    'linux-6.15-no-page-mapcount': '0014e92f3f3d0267',
  },
  'anon seed 2': {
    'linux-6.1': '1f910a3f08d2f879',
    'linux-6.2': '44bc4ff058f47290',
    'linux-6.8': '19fe7f35578eeefa',
    'linux-6.10': 'a0bee2ba0789ddaa',
    'linux-6.12': 'ae02c6cc83231f74',
    'linux-6.15': '758e9f3f36b42ad1',
    'linux-6.15-no-page-mapcount': '27f0ab5cbf0e5f78',
  },
  'anon seed 3': {
    'linux-6.1': 'adae8b2b63096642',
    'linux-6.2': '06257cb02ea6c26c',
    'linux-6.8': '3b226529e103251e',
    'linux-6.10': 'f6db03dc750c1e64',
    'linux-6.12': '89fe4a408d2289f9',
    'linux-6.15': 'f1d50c34e673794f',
    'linux-6.15-no-page-mapcount': '0da1e736c969f4dd',
  },
  'mixed seed 1': {
    'linux-6.1': '709c7cdeb354e6d0',
    'linux-6.2': '3d8cca3f25ac066c',
    'linux-6.8': 'd8e779f0eaba6160',
    'linux-6.10': '0173b6856be78b05',
    'linux-6.12': 'ba873ce8dcbd682e',
    'linux-6.15': '4b8d7e61f711acfa',
    'linux-6.15-no-page-mapcount': 'b84fe7fcf126c19c',
  },
  'mixed seed 2': {
    'linux-6.1': 'ef9bfd278cc6de0f',
    'linux-6.2': '02afe2351b01d01e',
    'linux-6.8': '1947f51763f6de6d',
    'linux-6.10': 'b73a050d2aa4e7cd',
    'linux-6.12': 'c182295cb8489fd1',
    'linux-6.15': '5b3ada00ba38e3c9',
    'linux-6.15-no-page-mapcount': 'e102f02782f54f8f',
  },
  'mixed seed 3': {
    'linux-6.1': '8fee875575e7ef74',
    'linux-6.2': '56112cf00d494dfd',
    'linux-6.8': '7041920f75cb6cf1',
    'linux-6.10': 'c7a440b7d41dd3f4',
    'linux-6.12': 'a5d783235a4868b5',
    'linux-6.15': '8a798b8e1f79f757',
    'linux-6.15-no-page-mapcount': 'c099deea6ddca5fd',
  },
}

describe('flat scheme state: everything observable is what the per-folio implementation gave', () => {
  for (const d of DIGEST_STREAMS) {
    test(`${d.name}: all seven schemes`, () => {
      const ev = d.events()
      const got = Object.fromEntries(STRATEGIES.map((st) => [st.id, schemeDigest(st, ev)]))
      expect(got).toEqual(BEFORE_FLAT[d.name])
      // order-0 folios read the shared pristine head words: nothing may have written them
      expect([...PRISTINE_HW]).toEqual(new Array(PRISTINE_HW.length).fill(0))
    })
  }
})

/** feed - apply @events to the ground truth @tx and (valid ones) to @st in state @s */
function feed(st: AnyStrategy, s: unknown, tx: Txn, events: readonly MmEvent[]): void {
  for (const e of events) {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal === before && st.handles.has(e.type)) st.apply(s, e, tx)
  }
}

/** answers - every folio and page answer of @st in state @s on the live folios of the ground-truth state @state */
function answers(st: AnyStrategy, s: unknown, state: MmState): unknown[] {
  const out: unknown[] = []
  trieForEach(state.folios, (k, f) => {
    out.push(k, st.folioMapcount(s, k), st.entireMapcount(s, k), st.nrPagesMapped(s, k), st.mappedShared(s, k), st.partiallyMapped(s, k))
    for (let i = 0; i < Math.min(2 ** f.order, 600); i++) out.push(st.pageMapcount(s, k + i), st.anonExclusive(s, k + i), st.kpagecount(s, k + i))
  })
  out.push(JSON.stringify([...st.costs(s)]), st.freeViolations(s).length)
  return out
}

describe('flat scheme state: snapshots are copy-on-write per chunk', () => {
  const events = mixedEvents(2000, { seed: 5 })
  const half = Math.floor(events.length / 2)
  for (const st of STRATEGIES) {
    test(`${st.id}: the live state, the snapshot and two states restored from it move on independently`, () => {
      const s = st.init()
      const tx = new Txn(emptyState())
      feed(st, s, tx, events.slice(0, half))
      const mid = tx.commit()
      const atHalf = answers(st, s, mid)
      const snap = st.snapshot(s)
      // the live state moves on to the end
      const txLive = new Txn(mid)
      feed(st, s, txLive, events.slice(half))
      const end = txLive.commit()
      const atEnd = answers(st, s, end)
      expect(atEnd).not.toEqual(atHalf)
      // a state restored from the snapshot replays the same suffix to the same answers
      const r1 = st.restore(snap)
      feed(st, r1, new Txn(mid), events.slice(half))
      expect(answers(st, r1, end)).toEqual(atEnd)
      // a second one, restored after the first moved on, still starts from the snapshot's answers
      const r2 = st.restore(snap)
      expect(answers(st, r2, mid)).toEqual(atHalf)
      // and writing to it does not leak into the first or the snapshot
      feed(st, r2, new Txn(mid), events.slice(half, half + 200))
      expect(answers(st, r1, end)).toEqual(atEnd)
      expect(answers(st, st.restore(snap), mid)).toEqual(atHalf)
    })
  }
})

describe('flat scheme state: memory follows the live folios', () => {
  test('a chunk of PFNs is dropped when its last folio is freed (all seven schemes)', () => {
    const P = 1
    const V = 0x10000
    // three folios in three different 4096-PFN chunks, mapped, unmapped and freed again
    const heads = [0x40000, 0x80000, 0x80200]
    const map = heads.flatMap((h, i) => [alloc(h, 9), newAnon(P, V + i * 512, h, 512, 'pmd')])
    const unmapAndFree = heads.flatMap((h, i) => [remove(P, V + i * 512, h, h, 512, 'pmd'), free(h)])
    for (const st of STRATEGIES) {
      const s = st.init() as SchemeState
      const tx = new Txn(emptyState())
      feed(st, s, tx, [proc(P), vma(P, V, 3 * 512), ...map])
      expect(s.chunks.size, st.id).toBe(2)
      feed(st, s, tx, unmapAndFree.slice(0, 2))
      expect(s.chunks.size, st.id).toBe(1)
      feed(st, s, tx, unmapAndFree.slice(2))
      expect(s.chunks.size, st.id).toBe(0)
      expect(st.freeViolations(s), st.id).toEqual([])
      expect(st.folioMapcount(s, heads[1]!), st.id).toBe(0)
    }
  })

  test('a 1 GiB HugeTLB folio lives in a chunk of its own and goes with it', () => {
    const st = strategyById('linux-6.15')!
    const s = st.init() as SchemeState
    const tx = new Txn(emptyState())
    feed(st, s, tx, [alloc(0x4000000, 18, 'hugetlb')])
    expect([s.chunks.size, s.giants.size]).toEqual([0, 1])
    expect(st.kpagecount(s, 0x4000000 + 0x3ffff)).toBe(0)
    feed(st, s, tx, [{ type: 'hugetlb/poolShrunk', folio: 0x4000000, cause: 'test' } as unknown as MmEvent])
    expect(s.giants.size).toBe(0)
  })
})
