import { describe, expect, test } from 'vitest'
import type { StrategyOutcome } from '@mmsim/analysis'
import { costReport, formatCostReport } from './costReport.ts'

const row = (events: number, atomics: number, extra: Partial<StrategyOutcome['total']> = {}) =>
  ({ events, atomics, paeBitops: 0, cacheLines: 0, bitLocks: 0, hvoConflicts: 0, hvoWrites: 0, rmapCalls: 0, folioLookups: 0, ...extra })

const outcome = (id: string, costs: [string, StrategyOutcome['total']][]): StrategyOutcome => ({
  id,
  description: { kernels: 'v0', summary: `${id} summary`, words: {}, hugetlb: '' },
  costs: new Map(costs),
  total: costs.reduce((a, [, r]) => row(a.events + r.events, a.atomics + r.atomics, { hvoConflicts: a.hvoConflicts + r.hvoConflicts }), row(0, 0)),
  freeViolations: [],
  state: null,
  strategy: null as never,
})

describe('cost report', () => {
  const rep = costReport([
    outcome('a', [['rmap/removed', row(2, 1024)], ['process/created', row(1, 0)]]),
    outcome('b', [['hugetlb/rmapAdded', row(1, 513, { hvoConflicts: 448 })]]),
  ])
  test('the JSON document keeps every scheme, sorted event types, totals', () => {
    expect(rep.strategies.map((s) => s.id)).toEqual(['a', 'b'])
    expect(Object.keys(rep.strategies[0]!.byType)).toEqual(['process/created', 'rmap/removed'])
    expect(rep.strategies[1]!.total.hvoConflicts).toBe(448)
  })
  test('the text shows a totals comparison and per-scheme rows with atomics per event; free event types are left out', () => {
    const text = formatCostReport(rep)
    expect(text).toMatch(/^mapcount schemes: cost totals/)
    expect(text).toMatch(/rmap\/removed\s+2\s+1,024\s+512\s/)
    expect(text).toMatch(/hugetlb\/rmapAdded\s+1\s+513\s+513\s+0\s+0\s+0\s+448/)
    expect(text).not.toMatch(/process\/created/)
  })
})
