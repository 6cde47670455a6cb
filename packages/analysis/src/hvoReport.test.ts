import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScenario } from '@mmsim/kernel'
import { hvoReport, parseHvoPool, type HvoSize } from './hvoReport.ts'

const GIB = 2 ** 30
const PAGE = 4096

// The seed's table (seed 002, the v7 cover letter), worked out by hand:
//   2M: 512 struct pages × 64 B = 8 vmemmap pages; v7 keeps 2, frees 6; 6.18 keeps 1, frees 7.
//   1G: 4096 vmemmap pages in 8 PTE tables (4096 / 512); v7 frees 4094, 6.18 frees 4095.
//   1024 GiB of 2M pages = 524288 pages: v7 best 524288 × 6 pages = 12 GiB, worst 524288 × (6 − 1) = 10 GiB.
//   1024 GiB of 1G pages = 1024 pages: v7 1024 × (4094 − 8) pages = 15.96 GiB ≈ 16 GB.
describe('hvoReport: the seed table', () => {
  it('2M per huge page: 8 vmemmap pages, 6 freed in v7, 7 on 6.18', () => {
    expect(hvoReport('v7', '2M', 1)).toMatchObject({ vmemmapPagesPerHugePage: 8, keptPerHugePage: 2, freedPerHugePage: 6 })
    expect(hvoReport('6.18', '2M', 1)).toMatchObject({ vmemmapPagesPerHugePage: 8, keptPerHugePage: 1, freedPerHugePage: 7 })
  })

  it('1G per huge page: 4094 freed and 4086 saved in v7 (the seed says 4088), 4095 freed and 4087 saved on 6.18', () => {
    const v7 = hvoReport('v7', '1G', 1)
    expect([v7.freedPerHugePage, v7.pageTablePagesPerHugePage.best, v7.savedPagesPerHugePage]).toEqual([4094, 8, 4086])
    expect(v7.seed[0]!.note).toMatch(/4096 − 2 − 8 = 4086; the seed's 4088 is 4096 − 8/)
    const k = hvoReport('6.18', '1G', 1)
    expect([k.freedPerHugePage, k.pageTablePagesPerHugePage.best, k.savedPagesPerHugePage]).toEqual([4095, 8, 4087])
  })

  it('a 1024 GiB pool: 2M pages save 12 GiB (best) to 10 GiB (worst) in v7; 1G pages ~16 GiB', () => {
    const n2m = parseHvoPool('1024G', '2M') as number
    expect(n2m).toBe(524288)
    const v7 = hvoReport('v7', '2M', n2m)
    expect(v7.freedBytes).toBe(12 * GIB)
    expect(v7.savedBytesWorst).toBe(10 * GIB)
    expect(v7.pageTablePages.best).toBe(8192) // 524288 × 8 / 512
    expect(v7.savedBytes).toBe(12 * GIB - 8192 * PAGE)
    const g = hvoReport('v7', '1G', parseHvoPool('1024G', '1G') as number)
    expect(g.savedBytes).toBe(1024 * 4086 * PAGE)
    expect(g.savedBytes / GIB).toBeCloseTo(15.96, 2)
    // 6.18: 7 per 2M page = 14 GiB of vmemmap, less 32 MiB of PTE tables
    expect(hvoReport('6.18', '2M', n2m).savedBytes).toBe(14 * GIB - 32 * 2 ** 20)
  })

  it('allocation and free work: 6.18 frees every vmemmap page after one fresh head page, in one batch of 2 TLB flushes', () => {
    const k = hvoReport('6.18', '2M', 64)
    expect(k.work.optimize).toMatchObject({ pagesFreedToBuddy: 64 * 8, pagesAllocated: 64, pteTablesAllocated: 1, tlbFlushes: 2 })
    expect(k.work.restore).toMatchObject({ pagesAllocated: 64 * 7, tlbFlushes: 1 })
    const v7 = hvoReport('v7', '2M', 64)
    expect(v7.work.optimize).toMatchObject({ pagesFreedToBuddy: 64 * 6, pagesAllocated: 0, tlbFlushes: 64 })
  })

  it('prints one derivation line per figure', () => {
    const d = hvoReport('6.18', '2M', 4).derivation
    expect(d).toContain('vmemmap per huge page = 512 × 64 B / 4096 = 8 pages (hugetlb_vmemmap_size)')
    expect(d.find((l) => l.startsWith('freed per huge page'))).toMatch(/= 8 − 1 = 7 /)
    expect(d).toContain('freed = 4 × 7 = 28 pages = 112 KiB')
  })
})

describe('parseHvoPool', () => {
  it('takes a count or a binary size', () => {
    expect(parseHvoPool('16', '1G')).toBe(16)
    expect(parseHvoPool('1T', '1G')).toBe(1024)
    expect(parseHvoPool('512M', '2M')).toBe(256)
  })
  it('refuses what is not a whole pool', () => {
    expect(parseHvoPool('3M', '2M')).toBe('--pool 3M: not a whole number of 2M pages')
    expect(parseHvoPool('1G', '1G')).toBe(1)
    expect(parseHvoPool('512M', '1G')).toMatch(/not a whole number of 1G pages/)
    expect(parseHvoPool('lots', '2M')).toMatch(/^--pool lots: want a count/)
    expect(parseHvoPool('0', '2M')).toMatch(/want 1 to/)
  })
})

/**
 * The stored live observations (traces/scenarios/*.kernel.json, recorded on this machine's 6.18 kernel) of
 * every corpus scenario with `check vmemmap`: the drop of nr_memmap_pages + nr_memmap_boot_pages must be the
 * pool's huge pages times the report's freedPerHugePage when HVO is on, none when it is off.
 */
describe('hvoReport against the live kernel (stored observations of `check vmemmap`)', () => {
  const dir = join(import.meta.dirname, '../../../traces/scenarios')
  const names = readdirSync(dir).filter((f) => f.endsWith('.scenario') && /check vmemmap/.test(readFileSync(join(dir, f), 'utf8')))
  it('the corpus has such scenarios, with 2M and 1G pools', () => {
    expect(names.length).toBeGreaterThanOrEqual(4)
    expect(names).toContain('hvo-on-1g-pool-vmemmap.scenario')
  })
  it.each(names)('%s', (f) => {
    const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f)
    const stored = JSON.parse(readFileSync(join(dir, f.replace(/\.scenario$/, '.kernel.json')), 'utf8')) as { checks: { vmemmapPagesDelta?: number }[] }
    let expected = 0
    for (const [bytes, n] of s.knobs.hugetlb) {
      const size: HvoSize = bytes === 2 ** 21 ? '2M' : '1G'
      if (s.knobs.hvo && n > 0) expected -= hvoReport('6.18', size, n).freedPages
    }
    const deltas = stored.checks.filter((c) => c.vmemmapPagesDelta !== undefined).map((c) => c.vmemmapPagesDelta)
    expect(deltas.length).toBeGreaterThan(0)
    for (const d of deltas) expect(d).toBe(expected)
  })
})
