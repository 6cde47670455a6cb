import { applyEvent, emptyState, Txn, type MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { strategyById } from './registry.ts'
import { alloc, anonDup, fork, newAnon, proc, remap, remove, vma } from './testEvents.ts'

/*
 * Known cross-scheme divergences and real bugs of docs/mapcount-schemes.md §4 and §9, reproduced on small
 * hand-built event streams; the expected answers are worked out by hand from the spec's rules.
 */

function run(id: string, events: readonly MmEvent[]) {
  const st = strategyById(id)!
  const tx = new Txn(emptyState())
  const s = st.init()
  for (const e of events) {
    const b = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal !== b) throw new Error(`invalid test stream at ${e.type}: ${tx.commit().violations.at(-1)?.message}`)
    st.apply(s, e, tx)
  }
  return { st, s }
}

const P = 1
const C = 2
const G = 3
const V = 0x10000
const F = 0x40000
const pteThp = (): MmEvent[] => [proc(P), vma(P, V, 512), alloc(F, 9), newAnon(P, V, F, 512, 'pmd'), remap(P, V, F)]

describe('§9 item 2: a batch that fully unmaps a PTE-mapped THP', () => {
  const events = [...pteThp(), remove(P, V, F, F, 512, 'pte')]
  test('v6.8–v6.9 queue it for deferred split anyway; v6.10+ do not', () => {
    expect(run('linux-6.8', events).st.partiallyMapped(run('linux-6.8', events).s, F)).toBe(true)
    for (const id of ['linux-6.10', 'linux-6.12', 'linux-6.15', 'linux-6.15-no-page-mapcount']) {
      const r = run(id, events)
      expect(r.st.partiallyMapped(r.s, F), id).toBe(false)
    }
  })
  test('≤ v6.1 queues on the first last-PTE unmap already', () => {
    const r = run('linux-6.1', [...pteThp(), remove(P, V, F, F, 1, 'pte')])
    expect(r.st.partiallyMapped(r.s, F)).toBe(true)
  })
})

describe('§4.5: CONFIG_NO_PAGE_MAPCOUNT misses partial mappings shared by two MMs', () => {
  // parent and a long-lived child both unmap the same half: 256 pages stay mapped twice, 256 not at all
  const events = [
    ...pteThp(), fork(P, C), anonDup(P, C, V, F, F, 512, 'pte'),
    remove(P, V + 256, F, F + 256, 256, 'pte'), remove(C, V + 256, F, F + 256, 256, 'pte'),
  ]
  test('PAGE_MAPCOUNT detects it when the second MM unmaps its half; NO_PAGE_MAPCOUNT sees large mapcount 512 = N', () => {
    const a = run('linux-6.15', events)
    expect(a.st.partiallyMapped(a.s, F)).toBe(true)
    const b = run('linux-6.15-no-page-mapcount', events)
    expect(b.st.folioMapcount(b.s, F)).toBe(512)
    expect(b.st.partiallyMapped(b.s, F)).toBe(false)
  })
})

describe('§4.2: the MM-slot shared bit', () => {
  // A maps, B and C are forked children; A and B unmap everything; only C maps the folio
  const events = [
    ...pteThp(), fork(P, C), anonDup(P, C, V, F, F, 512, 'pte'), fork(P, G), anonDup(P, G, V, F, F, 512, 'pte'),
    remove(P, V, F, F, 512, 'pte'), remove(C, V, F, F, 512, 'pte'),
  ]
  test('stays set after a third, untracked MM is the only one left (a "maybe" false positive)', () => {
    const r = run('linux-6.15', events)
    expect(r.st.folioMapcount(r.s, F)).toBe(512)
    expect(r.st.mappedShared(r.s, F)).toBe(true)
  })
  test('is exact with two MMs: cleared when the child unmaps everything', () => {
    const r = run('linux-6.15', [...pteThp(), fork(P, C), anonDup(P, C, V, F, F, 512, 'pte'), remove(C, V, F, F, 512, 'pte')])
    expect(r.st.mappedShared(r.s, F)).toBe(false)
  })
  test('folio_likely_mapped_shared() (v6.10–v6.14) misses a folio whose two MMs map different pages, not the head', () => {
    const events2 = [
      ...pteThp(), fork(P, C), anonDup(P, C, V, F, F, 512, 'pte'),
      remove(P, V, F, F, 256, 'pte'), remove(C, V + 256, F, F + 256, 256, 'pte'),
    ]
    const r = run('linux-6.12', events2)
    expect(r.st.folioMapcount(r.s, F)).toBe(512)
    expect(r.st.mappedShared(r.s, F)).toBe(false) // shared in truth: the estimate's false negative
    const m = run('linux-6.15', events2)
    expect(m.st.mappedShared(m.s, F)).toBe(true)
  })
})

describe('§1.2 legacy PageDoubleMap', () => {
  test('splitting one of two PMD mappings sets the +1 offset; page_mapcount stays exact; the last PMD unmap drops it', () => {
    const base = [proc(P), vma(P, V, 512), alloc(F, 9), newAnon(P, V, F, 512, 'pmd'), fork(P, C), anonDup(P, C, V, F, F, 512, 'pmd'), remap(P, V, F)]
    const r = run('linux-6.1', base)
    // page 5: one PTE (parent) + one PMD (child) = 2 = (mc + 1) + (cm + 1) − 1 with mc = 0 + 1 offset
    expect(r.st.pageMapcount(r.s, F + 5)).toBe(2)
    expect(r.st.folioMapcount(r.s, F)).toBe(513)
    const after = run('linux-6.1', [...base, remove(C, V, F, F, 512, 'pmd')])
    expect(after.st.pageMapcount(after.s, F + 5)).toBe(1)
    expect(after.st.folioMapcount(after.s, F)).toBe(512)
    expect(after.st.checkInvariants!(after.s, F)).toEqual([])
  })
})
