import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyPatches, type Patch } from 'immer'
import { afterAll, describe, expect, test } from 'vitest'
import { simulateScenario } from '@mmsim/kernel'
import { strategyById } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { corpusScenario } from './corpusScenario.testkit.ts'
import { formatPatches } from './formatPatches.ts'
import { eventPatches, inspectTraceWithPatches } from './inspectPatches.ts'
import { statePatches, type StatePatch, type StateView } from './statePatches.ts'

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

describe('inspect --patches on the bundled trace traces/fork-cow-pmd-thp.mmtrace (events worked by hand from its .jsonl)', () => {
  const TRACE = join(import.meta.dirname, '../../../traces/fork-cow-pmd-thp.mmtrace')
  const opts = { strategies: [strategyById('linux-6.15')!] }
  const byPath = (a: Pick<StatePatch, 'path'>, b: Pick<StatePatch, 'path'>): number => (a.path.join('.') < b.path.join('.') ? -1 : 1)
  const sides = ['linux-6.15', 'truth'] as const

  test("event 15 (p1's exit drops the last PTE of its COW page 0x2000): the page leaves the view, the counts go to 0", async () => {
    const r = await eventPatches(TRACE, 15, opts)
    expect(r.inspection.event).toMatchObject({ type: 'rmap/removed', pid: 1, folio: 0x2000, page: 0x2000, nrPages: 1, level: 'pte' })
    // before: the order-0 folio 0x2000 (COW copy, event 9) is mapped by p1's one PTE at vpn 0x40002 (event 11):
    // folio_mapcount 1, one page mapped; that page: mapcount 1, kpagecount 1, AnonExclusive (a new anon page),
    // pagemap bit 56 (one entry). After: nothing maps it (it is freed by the next event), so it is not listed.
    const page = { pageMapcount: 1, kpagecount: 1, anonExclusive: true, pagemapExclusive: true }
    expect([...r.patches].sort(byPath)).toEqual([
      ...sides.flatMap((s) => [
        { op: 'replace', path: ['folios', '0x2000', 'answers', s, 'folioMapcount'], value: 0, old: 1 },
        { op: 'replace', path: ['folios', '0x2000', 'answers', s, 'nrPagesMapped'], value: 0, old: 1 },
      ]),
      { op: 'remove', path: ['folios', '0x2000', 'pages', '0x2000'], old: { mappings: [{ pid: 1, level: 'pte', vpn: 0x40002 }], answers: { truth: page, 'linux-6.15': page } } },
      { op: 'replace', path: ['folios', '0x2000', 'unmappedPages'], value: 1, old: 0 },
    ])
    // p1's VMA is still there (unmapped at event 19) and no violation: nothing else changed
    expect(r.before.vmas['1']).toEqual(r.after.vmas['1'])
    expect(applyPatches(r.before, r.patches as Patch[])).toEqual(r.after)
  })

  test("event 8 (p1's PMD remapped by 512 PTEs): each page's second mapping becomes a PTE, the entire count drops by one", async () => {
    const r = await eventPatches(TRACE, 8, opts)
    expect(r.inspection.event).toMatchObject({ type: 'pmd/remapped', pid: 1, vpn: 0x40000, folio: 0x1000 })
    // before: p0's and p1's PMDs map THP 0x1000 (events 4, 6): entire 2, folio_mapcount 2. After: p0's PMD and
    // 512 PTEs of p1: entire 1, folio_mapcount 1 + 512 = 513. Unchanged: all 512 pages mapped (a PMD maps them
    // all), shared by two processes; per page 2 mappings (mapcount 2, kpagecount 2), not exclusive.
    const pages = Array.from({ length: 512 }, (_, i) => ({
      op: 'replace', path: ['folios', '0x1000', 'pages', '0x' + (0x1000 + i).toString(16), 'mappings', 1, 'level'], value: 'pte', old: 'pmd',
    }))
    expect([...r.patches].sort(byPath)).toEqual([
      ...sides.flatMap((s) => [
        { op: 'replace', path: ['folios', '0x1000', 'answers', s, 'entireMapcount'], value: 1, old: 2 },
        { op: 'replace', path: ['folios', '0x1000', 'answers', s, 'folioMapcount'], value: 513, old: 2 },
      ]),
      ...pages,
    ].sort(byPath))
    expect(r.after.folios['0x1000']!.pages['0x1000']!.mappings).toEqual([{ pid: 0, level: 'pmd', vpn: 0x40000 }, { pid: 1, level: 'pte', vpn: 0x40000 }])
    expect(applyPatches(r.before, r.patches as Patch[])).toEqual(r.after)
  })

  test("event 5 (fork): the child's VMA list appears, a copy of the parent's; no folio changes (the PMD is duplicated by event 6)", async () => {
    const r = await eventPatches(TRACE, 5, opts)
    expect(r.inspection.event).toMatchObject({ type: 'process/forked', pid: 0, child: 1 })
    expect(r.before.vmas['1']).toBeUndefined()
    // p0's one VMA: 2 MiB anon private writable at vpn 0x40000 (event 1), MADV_HUGEPAGE (event 2); dup_mmap copies it
    const vma = { start: 0x40000, end: 0x40200, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0, thp: 'hugepage', dontfork: false }
    expect(r.before.vmas['0']).toEqual([vma])
    expect(r.patches).toEqual([{ op: 'add', path: ['vmas', '1'], value: [vma] }])
    expect(applyPatches(r.before, r.patches as Patch[])).toEqual(r.after)
  })
})
