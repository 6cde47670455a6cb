import { describe, expect, it } from 'vitest'
import { CHUNK_PAGES, mmEvent, TruthState } from '@mmsim/core'
import { MmIdTracker } from './mmIdTracker.ts'

// A large folio whose PTE counter the test sets by hand in the flat ground truth, then tells the tracker what changed.
function fixture() {
  const truth = new TruthState()
  expect(truth.apply(mmEvent('folio/allocated', { folio: 512, order: 9, kind: 'anon', file: 0, index: 0 }))).toBe(true)
  const c = truth.folios.chunkForWrite(512)
  const j = 512 & (CHUNK_PAGES - 1)
  const r = { truth }
  const t = new MmIdTracker()
  const f = () => ({ pfn: 512, order: 9, kind: 'anon', ptes: c.ptes[j]!, entire: 0 })
  const add = (pid: number, n: number): void => {
    c.ptes[j]! += n
    t.after(r, mmEvent('rmap/anonAdded', { pid, vpn: 0, folio: 512, page: 512, nrPages: n, level: 'pte', exclusive: false }))
  }
  const sub = (pid: number, n: number): void => {
    c.ptes[j]! -= n
    t.after(r, mmEvent('rmap/removed', { pid, vpn: 0, folio: 512, page: 512, nrPages: n, level: 'pte' }))
  }
  return { f, t, add, sub }
}

describe('MmIdTracker (folio_add/sub_return_large_mapcount)', () => {
  it('one mm mapping many pages is not shared; a second mm sets the bit', () => {
    const { f, t, add } = fixture()
    add(1, 512)
    expect(t.mappedShared(f())).toBe(false)
    add(2, 1)
    expect(t.mappedShared(f())).toBe(true)
  })

  it('the bit stays set while both mms map pages, and clears when one mm unmaps its last page', () => {
    const { t, add, sub } = fixture()
    add(1, 512)
    add(2, 512)
    sub(2, 511)
    expect(t.sharedBit(512)).toBe(true)
    sub(2, 1)
    expect(t.sharedBit(512)).toBe(false)
  })

  it('with a third mm untracked, the bit survives the exit of a tracked mm', () => {
    const { t, add, sub } = fixture()
    add(1, 10)
    add(2, 10)
    add(3, 10)
    sub(1, 10)
    expect(t.sharedBit(512)).toBe(true)
  })
})
