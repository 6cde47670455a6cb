import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { simulateScenario } from '@mmsim/kernel'
import { strategyById } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { corpusScenario } from './corpusScenario.testkit.ts'
import { formatPatches } from './formatPatches.ts'
import { inspectTraceWithPatches } from './inspectPatches.ts'
import { statePatches, type StateView } from './statePatches.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-patches-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const view = (folios: StateView['folios'], violations = 0): StateView => ({ folios, vmas: {}, violations })
const folio = (mapcount: number, pages: Record<string, number>): StateView['folios'][string] => ({
  kind: 'anon',
  order: 1,
  unmappedPages: 2 - Object.keys(pages).length,
  answers: { truth: { folioMapcount: mapcount } },
  pages: Object.fromEntries(Object.entries(pages).map(([k, n]) => [k, { mappings: [], answers: { truth: { kpagecount: n } } }])),
})

describe('statePatches (immer patches between two views)', () => {
  test('only the leaves that differ: a replace with its old value, an added page, a removed folio', () => {
    const before = view({ '0x10': folio(2, { '0x10': 1, '0x11': 1 }), '0x20': folio(1, { '0x20': 1 }) })
    const after = view({ '0x10': folio(3, { '0x10': 2, '0x11': 1 }), '0x40': folio(1, { '0x40': 1 }) }, 1)
    const p = statePatches(before, after)
    expect(p).toContainEqual({ op: 'replace', path: ['folios', '0x10', 'answers', 'truth', 'folioMapcount'], value: 3, old: 2 })
    expect(p).toContainEqual({ op: 'replace', path: ['folios', '0x10', 'pages', '0x10', 'answers', 'truth', 'kpagecount'], value: 2, old: 1 })
    expect(p).toContainEqual({ op: 'remove', path: ['folios', '0x20'], old: before.folios['0x20'] })
    expect(p).toContainEqual({ op: 'add', path: ['folios', '0x40'], value: after.folios['0x40'] })
    expect(p).toContainEqual({ op: 'replace', path: ['violations'], value: 1, old: 0 })
    // page 0x11 did not change: nothing about it
    expect(p.some((x) => x.path.includes('0x11'))).toBe(false)
    expect(p).toHaveLength(5)
  })

  test('equal views give no patch, and the text says so', () => {
    const v = view({ '0x10': folio(2, { '0x10': 1 }) })
    expect(statePatches(v, structuredClone(v))).toEqual([])
    expect(formatPatches([])).toEqual(['no change to the touched folios, the VMAs of its process or the violation count'])
  })
})

test("inspect --patches on fork-cow-pmd-thp: the child's first PTE unmap of the PTE-remapped THP takes one mapping of page 2", async () => {
  const { events } = simulateScenario(corpusScenario('fork-cow-pmd-thp'))
  const file = join(dir, 'f.mmtrace')
  const w = new TraceWriter(file, { kind: 'scenario' })
  w.writeAll(events)
  w.close()
  const at = events.findIndex((e) => e.type === 'rmap/removed' && e.pid === 1)
  const thp = events.find((e) => e.type === 'folio/allocated' && e.order === 9 && e.kind === 'anon') as { folio: number }
  const hex = (n: number): string => '0x' + n.toString(16)
  const r = await inspectTraceWithPatches(file, at, { strategies: [strategyById('linux-6.15')!] })
  const f = hex(thp.folio)
  const page2 = hex(thp.folio + 2)
  // worked by hand: p0's PMD + p1's PMD remapped to 512 PTEs = 513 mappings; p1's COW of page 2 unmaps one PTE -> 512
  expect(r.patches).toContainEqual({ op: 'replace', path: ['folios', f, 'answers', 'truth', 'folioMapcount'], value: 512, old: 513 })
  expect(r.patches).toContainEqual({ op: 'replace', path: ['folios', f, 'answers', 'linux-6.15', 'folioMapcount'], value: 512, old: 513 })
  // page 2 was mapped by p0's PMD and p1's PTE, now by the PMD alone
  expect(r.patches).toContainEqual({ op: 'replace', path: ['folios', f, 'pages', page2, 'answers', 'truth', 'kpagecount'], value: 1, old: 2 })
  const vpn = (events[at] as { vpn: number }).vpn
  const gone = r.patches.filter((p) => p.op === 'remove' && p.path[4] === 'mappings')
  expect(gone).toEqual([{ op: 'remove', path: ['folios', f, 'pages', page2, 'mappings', 1], old: { pid: 1, level: 'pte', vpn } }])
  // no other page of the folio changed
  expect(r.patches.filter((p) => p.path[2] === 'pages' && p.path[3] !== page2)).toEqual([])
  expect(formatPatches(r.patches)).toContain(`~ folios.${f}.answers.truth.folioMapcount: 513 -> 512`)
})
