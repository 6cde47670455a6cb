import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { truthFolio } from '@mmsim/core'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { loadStrategies, StrategySet } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { replaySchemes, truthMapcount } from './schemeReplay.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-scheme-replay-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('replaySchemes', () => {
  test("truthMapcount counts HGM PMDs: the 1 GiB folio of hgm-1g-2m-continue, event by event (the report's and perfetto's truth line)", async () => {
    const file = fileURLToPath(new URL('../../../traces/hgm/hgm-1g-2m-continue.scenario', import.meta.url))
    const r = simulateScenario(parseScenario(readFileSync(file, 'utf8'), file))
    const path = join(dir, 'hgm-1g-2m.mmtrace')
    const w = new TraceWriter(path, { kind: 'scenario', name: 'hgm-1g-2m-continue' })
    w.writeAll(r.events)
    w.close()
    const F = 0x140000 // the 1 GiB HugeTLB folio (hugetlb/poolGrown)
    const atChecks: number[] = []
    const res = replaySchemes(path, new StrategySet(await loadStrategies('hgm-v1')), {
      onEvent(e, _ts, truth) {
        if (truth.folios.headOrder(F) >= 0) expect(truthMapcount(truth, F)).toBe(truthFolio(truth, F)!.mapcount)
        if (e.type === 'check/marked') atChecks.push(truthMapcount(truth, F))
      },
    })
    expect(res.damage).toEqual([])
    // the scenario's hand count: 7 entries at the first check, p1's PMD after p0's munmap, p1's PUD after its collapse
    expect(atChecks).toEqual([7, 1, 1])
  })
})
