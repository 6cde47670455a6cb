import { describe, expect, it } from 'vitest'
import type { ObservationDocument } from '../live/observation.ts'
import { compareObservations } from './compareObservations.ts'

const page = { off: 0, present: true as const, folio: 0, order: 0, mapcount: 1, exclusive: true, anon: true, thp: false, hugetlb: false, zero: false }
const doc = (over: Partial<ObservationDocument> = {}): ObservationDocument => ({
  format: 'mmsim-observations/1', scenario: 's', source: 'model', detail: '', refused: [],
  checks: [{ line: 3, procs: { p0: { A: [page, { off: 4096, present: false }] } } }], ...over,
})

describe('compareObservations', () => {
  it('equal documents agree; source and detail do not matter', () => {
    const c = compareObservations(doc(), doc({ source: 'kernel', detail: 'x' }))
    expect(c).toEqual({ agree: true, checks: 1, pages: 2, differences: [] })
  })

  it('reports a page field with its check line, process, mapping and offset', () => {
    const k = doc({ checks: [{ line: 3, procs: { p0: { A: [{ ...page, mapcount: 2 }, { off: 4096, present: false }] } } }] })
    expect(compareObservations(doc(), k).differences).toEqual([
      { line: 3, proc: 'p0', mapping: 'A', off: 0, field: 'mapcount', model: '1', kernel: '2' },
    ])
  })

  it('reports refusals that differ and a page present on one side only', () => {
    const k = doc({
      refused: [{ line: 2, op: 'madvise', errno: 'EINVAL' }],
      checks: [{ line: 3, procs: { p0: { A: [page, { ...page, off: 4096 }] } } }],
    })
    const d = compareObservations(doc(), k).differences
    expect(d[0]).toEqual({ line: 2, proc: '', mapping: '', off: -1, field: 'refused', model: '"ok"', kernel: '"EINVAL"' })
    expect(d[1]).toMatchObject({ off: 4096, field: 'present', model: 'false', kernel: 'true' })
  })
})
