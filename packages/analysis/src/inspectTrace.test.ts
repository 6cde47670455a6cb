import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { simulateScenario } from '@mmsim/kernel'
import { strategyById } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { corpusScenario } from './corpusScenario.testkit.ts'
import { formatInspection } from './formatInspection.ts'
import { inspectTrace } from './inspectTrace.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-inspect-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('inspect after the child COWs page 2 of the forked THP: page 2 is mapped by p0\'s PMD only, its neighbours by p0\'s PMD and p1\'s PTE', async () => {
  const { events } = simulateScenario(corpusScenario('fork-cow-pmd-thp'))
  const file = join(dir, 'f.mmtrace')
  const w = new TraceWriter(file, { kind: 'scenario' })
  w.writeAll(events)
  w.close()
  const at = events.findIndex((e) => e.type === 'rmap/removed' && e.pid === 1)
  const thp = events.find((e) => e.type === 'folio/allocated' && e.order === 9 && e.kind === 'anon') as { folio: number }
  const r = await inspectTrace(file, at, { strategies: [strategyById('linux-6.15')!, strategyById('linux-6.15-no-page-mapcount')!], folio: thp.folio + 2 })
  expect(r.sides).toEqual(['truth', 'linux-6.15', 'linux-6.15-no-page-mapcount'])
  expect(r.folios).toHaveLength(1)
  const f = r.folios[0]!
  expect(f).toMatchObject({ folio: thp.folio, kind: 'anon', order: 9, unmappedPages: 0 })
  // 1 PMD + 511 PTEs map the folio
  expect(f.answers.truth).toMatchObject({ folioMapcount: 512, entireMapcount: 1, mappedShared: true })
  expect(f.answers['linux-6.15']).toMatchObject({ folioMapcount: 512, entireMapcount: 1, mappedShared: true })
  const p2 = f.pages[2]!
  expect(p2.mappings.map((m) => `p${m.pid}:${m.level}`)).toEqual(['p0:pmd'])
  expect(f.pages[3]!.mappings.map((m) => `p${m.pid}:${m.level}`).sort()).toEqual(['p0:pmd', 'p1:pte'])
  expect(p2.answers.truth).toMatchObject({ pageMapcount: 1, kpagecount: 1 })
  expect(p2.answers['linux-6.15']).toMatchObject({ pageMapcount: 1, kpagecount: 1 })
  expect(p2.answers['linux-6.15-no-page-mapcount']).toMatchObject({ pageMapcount: null, kpagecount: 2 })
  const text = formatInspection(r).join('\n')
  expect(text).toContain(`state after event ${at}: rmap/removed`)
  expect(text).toMatch(/\+2 +p0:pmd@0x1000002 +1\/1\//)
  await expect(inspectTrace(file, events.length, { strategies: [] })).rejects.toThrow(RangeError)
})
