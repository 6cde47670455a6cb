import { describe, expect, test } from 'vitest'
import { mmEvent as ev } from '../events/factory.ts'
import type { MmEvent } from '../events/mmEvent.ts'
import { folioTruth } from '../groundTruth/folioTruth.ts'
import { applyEvent } from '../reducers/applyEvent.ts'
import { emptyState } from '../state/mmState.ts'
import { stateDigest } from '../state/stateDigest.ts'
import { Txn } from '../state/txn.ts'
import { truthDigest, truthFolio } from './truthQueries.ts'
import { TruthState } from './truthState.ts'

// folio/splitFailed (issue 17) is a mark: the flat ground truth and the reference Txn reducers change no state
// for it, and both report the same violation when its folio is not a live large splittable folio holding @page.

const F = 0x2000 // a 64 KiB shmem folio (order 4) at file index 0
const setup: MmEvent[] = [
  ev('process/created', { pid: 0 }),
  ev('vma/mapped', { pid: 0, vpn: 0x40000, nrPages: 16, kind: 'shmem', shared: true, writable: true, file: 1, pgoff: 0 }),
  ev('folio/allocated', { folio: F, order: 4, kind: 'shmem', file: 1, index: 0 }),
  ev('rmap/fileAdded', { pid: 0, vpn: 0x40000, folio: F, page: F, nrPages: 16, level: 'pte' }),
]

function both(events: readonly MmEvent[]) {
  const tx = new Txn(emptyState(), true)
  const t = new TruthState()
  for (const e of events) {
    applyEvent(tx, e)
    t.apply(e)
  }
  const s = tx.commit()
  expect(t.violations).toEqual(s.violations)
  expect(truthDigest(t)).toBe(stateDigest(s))
  return { t, s, messages: s.violations.map((v) => v.message) }
}

describe('folio/splitFailed in the ground truth', () => {
  test('on a live large shmem folio: no violation, and the state (digest, folio truth) is what it was before', () => {
    const before = both(setup)
    const after = both([...setup, ev('folio/splitFailed', { folio: F, page: F + 1, errno: 11 })])
    expect(after.messages).toEqual([])
    expect(truthDigest(after.t)).toBe(truthDigest(before.t))
    expect(truthFolio(after.t, F)).toEqual(truthFolio(before.t, F))
    expect(folioTruth(after.s, F)!.mapcount).toBe(16)
  })

  test.each([
    ['an unallocated folio', { folio: F + 16, page: F + 16, errno: 11 }, 'failed split of folio 0x2010, which is not allocated'],
    ['a page outside the folio', { folio: F, page: F + 16, errno: 11 }, 'failed split of folio 0x2000 at page 0x2010, outside it'],
  ])('%s is a violation', (_what, fields, message) => {
    expect(both([...setup, ev('folio/splitFailed', fields)]).messages).toEqual([message])
  })

  test('an order-0 folio is a violation', () => {
    const small: MmEvent[] = [ev('folio/allocated', { folio: 0x3000, order: 0, kind: 'shmem', file: 2, index: 0 })]
    expect(both([...small, ev('folio/splitFailed', { folio: 0x3000, page: 0x3000, errno: 11 })]).messages).toEqual(['failed split of folio 0x3000, which is order 0'])
  })
})
