import type { MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { unbatchEvent } from './unbatch.ts'

const ev = (e: Record<string, unknown>): MmEvent => ({ cause: 't:1', ...e }) as unknown as MmEvent
const pieces = (e: MmEvent): Record<string, unknown>[] => {
  const out: Record<string, unknown>[] = []
  const n = unbatchEvent(e, (x) => out.push({ ...x }))
  expect(n).toBe(out.length)
  return out
}

describe('unbatchEvent', () => {
  test('a batch of 3 PTE removals becomes 3 single-PTE removals at vpn + i, page + i, same cause', () => {
    const out = pieces(ev({ type: 'rmap/removed', pid: 1, vpn: 0x100, folio: 0x400, page: 0x401, nrPages: 3, level: 'pte' }))
    expect(out).toEqual([0, 1, 2].map((i) => ({ cause: 't:1', type: 'rmap/removed', pid: 1, vpn: 0x100 + i, folio: 0x400, page: 0x401 + i, nrPages: 1, level: 'pte' })))
  })

  test('fork dups keep parent and child; anon adds keep exclusive', () => {
    const dup = pieces(ev({ type: 'rmap/anonDuplicated', pid: 1, child: 2, vpn: 8, folio: 16, page: 16, nrPages: 2, level: 'pte' }))
    expect(dup.map((x) => [x.pid, x.child, x.vpn, x.page, x.nrPages])).toEqual([[1, 2, 8, 16, 1], [1, 2, 9, 17, 1]])
    const add = pieces(ev({ type: 'rmap/anonAdded', pid: 1, vpn: 8, folio: 16, page: 16, nrPages: 2, level: 'pte', exclusive: true }))
    expect(add.map((x) => x.exclusive)).toEqual([true, true])
  })

  test('page ranges without a level (anonShared, anonReused) split per page', () => {
    expect(pieces(ev({ type: 'rmap/anonShared', folio: 16, page: 18, nrPages: 2 })).map((x) => x.page)).toEqual([18, 19])
  })

  test('left whole: a PMD entry (nrPages 512, one entry), a new anon folio, a single PTE, other types', () => {
    const keep = [
      ev({ type: 'rmap/removed', pid: 1, vpn: 0, folio: 512, page: 512, nrPages: 512, level: 'pmd' }),
      ev({ type: 'rmap/newAnonAdded', pid: 1, vpn: 0, folio: 512, page: 512, nrPages: 16, level: 'pte' }),
      ev({ type: 'rmap/fileAdded', pid: 1, vpn: 0, folio: 512, page: 513, nrPages: 1, level: 'pte' }),
      ev({ type: 'pmd/remapped', pid: 1, vpn: 0, folio: 512 }),
    ]
    for (const e of keep) {
      const out: MmEvent[] = []
      expect(unbatchEvent(e, (x) => out.push(x))).toBe(1)
      expect(out[0]).toBe(e)
    }
  })
})
