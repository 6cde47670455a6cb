import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsim, ROOT } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-rmap-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BENCH = join(ROOT, 'traces/rmap-bench')
type Total = Record<'rmapCalls' | 'folioLookups' | 'modelledNs', number>
const totals = (name: string): Record<string, Total> => {
  const r = mmsim('cost', `traces/rmap-bench/${name}.scenario`, '--strategy', 'linux-6.2,linux-6.8', '--json')
  expect(r.status, r.stderr).toBe(0)
  return Object.fromEntries((JSON.parse(r.stdout) as { schemes: { id: string; total: Total }[] }).schemes.map((s) => [s.id, s.total]))
}

describe('traces/rmap-bench', () => {
  test('the committed scenarios are what tools/rmap-bench/generate.mjs writes', () => {
    const r = spawnSync(process.execPath, ['tools/rmap-bench/generate.mjs', dir], { cwd: ROOT, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const committed = readdirSync(BENCH).filter((f) => f.endsWith('.scenario')).sort()
    expect(readdirSync(dir).sort()).toEqual(committed)
    for (const f of committed) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(BENCH, f), 'utf8'))
  })

  test('PTE-remap of 512 PMD-mapped THPs: 512 × 513 page calls on linux-6.2, 512 × 2 folio calls on linux-6.8', () => {
    const remap = totals('pte-remap-thp')
    const base = totals('populate-thp')
    // per THP: 6.2 page_add_anon_rmap × 512 + page_remove_rmap(compound), 511 of them on tail pages;
    // 6.8 folio_add_anon_rmap_ptes + folio_remove_rmap_pmd, no lookups
    expect(remap['linux-6.2']!.rmapCalls - base['linux-6.2']!.rmapCalls).toBe(512 * 513)
    expect(remap['linux-6.2']!.folioLookups - base['linux-6.2']!.folioLookups).toBe(512 * 511)
    expect(remap['linux-6.8']!.rmapCalls - base['linux-6.8']!.rmapCalls).toBe(512 * 2)
    expect(remap['linux-6.8']!.folioLookups).toBe(0)
  })
})
