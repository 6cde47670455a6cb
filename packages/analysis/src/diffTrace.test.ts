import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { simulateScenario } from '@mmsim/kernel'
import { strategyById } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { corpusScenario } from './corpusScenario.testkit.ts'
import { diffTrace } from './diffTrace.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-diff-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function record(name: string): string {
  const r = simulateScenario(corpusScenario(name))
  const out = join(dir, `${name}.mmtrace`)
  const w = new TraceWriter(out, { kind: 'scenario', name })
  w.writeAll(r.events)
  w.close()
  return out
}

describe('diffTrace', () => {
  test('a scheme against itself: same answers, equal costs', async () => {
    const s = strategyById('linux-6.15')!
    const r = await diffTrace(record('cow-pte-mapped-thp'), { a: s, b: s })
    expect(r.same).toBe(true)
    expect(r.queries.every((q) => q.points === 0 && q.first === null)).toBe(true)
    expect(r.totals.a).toEqual(r.totals.b)
  })

  test('linux-6.15-no-page-mapcount vs linux-6.15 on fork-cow-pmd-thp: kpagecount differs, pageMapcount is not answered by A, and the per-page _mapcount atomics are gone', async () => {
    const a = strategyById('linux-6.15-no-page-mapcount')!
    const b = strategyById('linux-6.15')!
    const r = await diffTrace(record('fork-cow-pmd-thp'), { a, b })
    expect(r.same).toBe(false)
    const q = new Map(r.queries.map((x) => [x.query, x]))
    expect(q.get('kpagecount')!.points).toBeGreaterThan(0)
    expect(q.get('kpagecount')!.first).toMatchObject({ a: 2, b: 1 })
    expect(q.get('pageMapcount')!.points).toBe(0)
    expect(q.get('folioMapcount')!.points).toBe(0)
    // splitting the child's PMD writes 512 page _mapcounts under CONFIG_PAGE_MAPCOUNT (§8.2), none without
    const remap = r.costs.find((c) => c.type === 'pmd/remapped')!
    expect(remap.b.atomics - remap.a.atomics).toBeGreaterThanOrEqual(512)
    expect(Object.keys(r.words[1])).toContain('every page')
  })
})
