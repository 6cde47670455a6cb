import { describe, expect, it } from 'vitest'
import { mmEvent, type FolioRec } from '@mmsim/core'
import { MmIdTracker } from './mmIdTracker.ts'

// A large folio whose counters the test sets by hand, then tells the tracker what changed.
function fixture() {
  const f = { pfn: 512, order: 9, kind: 'anon', ptes: 0, entire: 0 } as unknown as FolioRec & { ptes: number }
  const r = { tx: { folio: (p: number) => (p === 512 ? f : undefined) } }
  const t = new MmIdTracker()
  const add = (pid: number, n: number): void => {
    f.ptes += n
    t.after(r, mmEvent('rmap/anonAdded', { pid, vpn: 0, folio: 512, page: 512, nrPages: n, level: 'pte', exclusive: false }))
  }
  const sub = (pid: number, n: number): void => {
    f.ptes -= n
    t.after(r, mmEvent('rmap/removed', { pid, vpn: 0, folio: 512, page: 512, nrPages: n, level: 'pte' }))
  }
  return { f, t, add, sub }
}

describe('MmIdTracker (folio_add/sub_return_large_mapcount)', () => {
  it('one mm mapping many pages is not shared; a second mm sets the bit', () => {
    const { f, t, add } = fixture()
    add(1, 512)
    expect(t.mappedShared(f)).toBe(false)
    add(2, 1)
    expect(t.mappedShared(f)).toBe(true)
  })

  it('the bit stays set while both mms map pages, and clears when one mm unmaps its last page', () => {
    const { f, t, add, sub } = fixture()
    add(1, 512)
    add(2, 512)
    sub(2, 511)
    expect(t.sharedBit(f)).toBe(true)
    sub(2, 1)
    expect(t.sharedBit(f)).toBe(false)
  })

  it('with a third mm untracked, the bit survives the exit of a tracked mm', () => {
    const { f, t, add, sub } = fixture()
    add(1, 10)
    add(2, 10)
    add(3, 10)
    sub(1, 10)
    expect(t.sharedBit(f)).toBe(true)
  })
})
