import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * The HGM walkthrough as a hand-written JSONL trace: A and B share a 2 MiB HugeTLB folio (HVO on) through
 * shared HugeTLB VMAs with HGM enabled; A maps pages 0, 1, 100, B pages 100, 101 by 4 KiB entries
 * (events 8–12), then both collapse. Struct page 100 sits in vmemmap page ⌊100·64 / 4096⌋ = 1, which 6.18's HVO
 * made read-only: under hgm-v2-thp-like event 10 (A's page 100) is the first write to freed vmemmap; A, B's 100
 * and B's 101 (events 10, 11, 12) and their removals (16, 18, 19) are 6 such events.
 */
const F = 0x40000
const ev = [
  { type: 'process/created', pid: 1 }, { type: 'process/created', pid: 2 },
  { type: 'vma/mapped', pid: 1, vpn: 0x10000, nrPages: 512, kind: 'hugetlb', shared: true, writable: true, file: 1, pgoff: 0 },
  { type: 'vma/mapped', pid: 2, vpn: 0x20000, nrPages: 512, kind: 'hugetlb', shared: true, writable: true, file: 1, pgoff: 0 },
  { type: 'hugetlb/hgmEnabled', pid: 1, vpn: 0x10000, nrPages: 512 }, { type: 'hugetlb/hgmEnabled', pid: 2, vpn: 0x20000, nrPages: 512 },
  { type: 'hugetlb/poolGrown', folio: F, order: 9 }, { type: 'hvo/optimized', folio: F },
  ...[[1, 0], [1, 1], [1, 100], [2, 100], [2, 101]].map(([p, i]) => ({ type: 'hugetlb/hgmRmapAdded', pid: p, vpn: (p === 1 ? 0x10000 : 0x20000) + i!, folio: F, page: F + i!, level: 'pte' })),
  ...[[1, 0], [1, 1]].map(([p, i]) => ({ type: 'hugetlb/hgmRmapRemoved', pid: p, vpn: 0x10000 + i!, folio: F, page: F + i!, level: 'pte' })),
  { type: 'hugetlb/rmapAdded', pid: 1, vpn: 0x10100, folio: F, level: 'pmd', mode: 'file', exclusive: false },
].map((e) => ({ ...e, cause: 'hand' }))
// events 13, 14 removed A's 0 and 1; the huge entry (event 15) must wait for A's page 100: reorder so the trace stays valid
const trace = [
  ...ev.slice(0, 15),
  { type: 'hugetlb/hgmRmapRemoved', pid: 1, vpn: 0x10000 + 100, folio: F, page: F + 100, level: 'pte', cause: 'hand' },
  { type: 'hugetlb/rmapAdded', pid: 1, vpn: 0x10000, folio: F, level: 'pmd', mode: 'file', exclusive: false, cause: 'hand' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 2, vpn: 0x20000 + 100, folio: F, page: F + 100, level: 'pte', cause: 'hand' },
  { type: 'hugetlb/hgmRmapRemoved', pid: 2, vpn: 0x20000 + 101, folio: F, page: F + 101, level: 'pte', cause: 'hand' },
  { type: 'hugetlb/rmapAdded', pid: 2, vpn: 0x20000, folio: F, level: 'pmd', mode: 'file', exclusive: false, cause: 'hand' },
]
const dir = mkdtempSync(join(tmpdir(), 'mmsim-hvo-'))
const file = join(dir, 'hgm-walkthrough.jsonl')
writeFileSync(file, [JSON.stringify({ format: 'mmsim-trace-jsonl/1', source: { kind: 'hand', name: 'hgm-walkthrough' } }), ...trace.map((e) => JSON.stringify(e))].join('\n') + '\n')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('HVO conflicts through the CLI (hand-written HGM trace)', () => {
  test('the trace is valid: replay finds no violation', async () => {
    const r = await mmsimIn('replay', file)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
  test('bisect --hvo-write --strategy hgm-v2-thp-like: event 10, A\'s 4 KiB entry of page 100 (exit 1)', async () => {
    const r = await mmsimIn('bisect', file, '--hvo-write', '--strategy', 'hgm-v2-thp-like')
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/under hgm-v2-thp-like: event 10: hugetlb\/hgmRmapAdded pid=1 vpn=0x10064 folio=0x40000 page=0x40064 level=pte/)
    const j = JSON.parse((await mmsimIn('bisect', file, '--hvo-write', '--strategy', 'hgm-v2-thp-like', '--json')).stdout) as { mode: string; first: { index: number } }
    expect(j).toMatchObject({ mode: 'hvoWrite', first: { index: 10 } })
  })
  test('bisect --hvo-write --strategy hgm-hstate-once: none (exit 0)', async () => {
    const r = await mmsimIn('bisect', file, '--hvo-write', '--strategy', 'hgm-hstate-once')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^no write to a struct page HVO maps read-only: hgm-hstate-once after all 20 events/)
  })
  test('bisect --hvo-write without --strategy is a usage error', async () => {
    const r = await mmsimIn('bisect', file, '--hvo-write')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--hvo-write needs --strategy ID/)
  })
  test('diff shows each scheme\'s HVO writes: linux-6.15 none, hgm-v2-thp-like 6 events from event 10', async () => {
    const r = await mmsimIn('diff', file, '--a', 'linux-6.15', '--b', 'hgm-v2-thp-like')
    expect(r.stdout).toMatch(/^ {2}linux-6\.15: none$/m)
    expect(r.stdout).toMatch(/^ {2}hgm-v2-thp-like: 6 events, first: event 10: hugetlb\/hgmRmapAdded/m)
    // linux-6.15 has no HGM rule: 5 adds and 5 removes counted as whole-folio hugetlb rmaps, reported
    expect(r.stdout).toMatch(/^ {2}linux-6\.15: hugetlb\/hgmRmapAdded: linux-6\.15 has no rule for HGM/m)
    const j = JSON.parse((await mmsimIn('diff', file, '--a', 'linux-6.15', '--b', 'hgm-v2-thp-like', '--json')).stdout) as { hvo: { writes: number; first: { index: number } | null }[]; notices: string[][] }
    expect(j.hvo.map((h) => [h.writes, h.first?.index ?? null])).toEqual([[0, null], [6, 10]])
    expect(j.notices[0]!.map((n) => n.replace(/^(\S+):.*; (\d+) events?$/, '$1 $2'))).toEqual(['hugetlb/hgmRmapAdded 5', 'hugetlb/hgmRmapRemoved 5'])
    expect(j.notices[1]).toEqual([])
  })
})

describe('the proposal schemes run on every bundled trace and HGM scenario', () => {
  test('replay --strategy proposals of traces/*.mmtrace: exit 0, nothing on stderr', async () => {
    for (const f of readdirSync(join(ROOT, 'traces')).filter((n) => n.endsWith('.mmtrace'))) {
      const r = await mmsimIn('replay', `traces/${f}`, '--strategy', 'proposals')
      expect([r.status, r.stderr], f).toEqual([0, ''])
    }
  })
  test('diff of the proposals on traces/hgm/*.scenario (simulated with set hgm=on): exit 0 or 1, nothing on stderr', async () => {
    for (const f of readdirSync(join(ROOT, 'traces/hgm')).filter((n) => n.endsWith('.scenario'))) {
      for (const [a, b] of [['hgm-v1', 'hgm-v2-thp-like'], ['hgm-hstate-once', 'willy-vma-pt'], ['total-mapped-pages', 'linux-6.15']]) {
        const r = await mmsimIn('diff', `traces/hgm/${f}`, '--a', a!, '--b', b!)
        expect([r.status <= 1, r.stderr], `${f}: ${a} vs ${b}`).toEqual([true, ''])
      }
    }
  })
})
