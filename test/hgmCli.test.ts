// `set hgm=on` (model-only HGM, docs/scenario-language.md §8.6) through the CLI: the simulated kernel records
// and replays the walkthrough with no violation; the live kernel and export-c refuse it with one line, exit 2,
// before anything touches a knob (so the same answer with or without root).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-hgm-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const WALK = 'traces/hgm/hgm-walkthrough.scenario'
const LINE = `mmsim: ${WALK}:8: this kernel has no HugeTLB high-granularity mapping (set hgm=on is model-only)\n`

describe('set hgm=on through the CLI', () => {
  it('record then replay of the walkthrough: exit 0, no violation', async () => {
    const out = join(dir, 'w.mmtrace')
    expect((await mmsimIn('record', WALK, '-o', out)).status).toBe(0)
    const r = await mmsimIn('replay', out)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^violations {2}0$/m)
    expect(r.stdout).toMatch(/hugetlb\/hgmRmapAdded +6 /) // p0: 3 PTEs, p1: 3 (worked out in sim/hgm.test.ts)
  })

  it('replay --strategy prints the notices of a scheme with no rule for HGM events, as diff does (text and JSON)', async () => {
    const out = join(dir, 'wn.mmtrace')
    expect((await mmsimIn('record', WALK, '-o', out)).status).toBe(0)
    // worked out by hand from the scenario: HGM PTEs added by p0's 3 continues and p1's 4K + 8K (3), each
    // process's collapse removes its 3; linux-6.15 has no HGM rule, hgm-v1 has one for every event
    const added = 'hugetlb/hgmRmapAdded: linux-6.15 has no rule for HGM (no Linux kernel has it): counted as hugetlb_add_file_rmap() of the whole folio (first: p0 vpn 0x1000000, folio 0x100400 page 0x100400); 6 events'
    const removed = 'hugetlb/hgmRmapRemoved: linux-6.15 has no rule for HGM (no Linux kernel has it): counted as hugetlb_remove_rmap() of the whole folio (first: p0 vpn 0x1000000, folio 0x100400 page 0x100400); 6 events'
    const text = await mmsimIn('replay', out, '--strategy', 'linux-6.15,hgm-v1')
    expect(text.status).toBe(0)
    const block = text.stdout.slice(text.stdout.indexOf('events a scheme has no rule for'))
    expect(block.split('\n').filter((l) => /^ {2}\S/.test(l))).toEqual(['  linux-6.15: hugetlb/hgmRmapAdded: linux-6.15 has no rule for HGM (no Linux kernel has it): counted as', '  linux-6.15: hugetlb/hgmRmapRemoved: linux-6.15 has no rule for HGM (no Linux kernel has it): counted as'])
    expect(block.replace(/\n {6}/g, ' ')).toContain(`  linux-6.15: ${added}\n  linux-6.15: ${removed}\n`)
    const json = await mmsimIn('replay', out, '--strategy', 'linux-6.15,hgm-v1', '--json')
    expect(json.status).toBe(0)
    const doc = JSON.parse(json.stdout) as { strategies: { id: string; notices: string[] }[] }
    expect(doc.strategies.map((s) => [s.id, s.notices])).toEqual([['linux-6.15', [added, removed]], ['hgm-v1', []]])
    // a scheme with a rule for every event: no block at all
    expect((await mmsimIn('replay', out, '--strategy', 'hgm-v1')).stdout).not.toContain('no rule for')
  })

  it('observe --kernel refuses: the one model-only line naming the set, exit 2', async () => {
    const r = await mmsimIn('observe', '--kernel', WALK)
    expect(r.stderr).toBe(LINE)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
  })

  it('export-c refuses likewise', async () => {
    const r = await mmsimIn('export-c', WALK, '-o', join(dir, 'w.c'))
    expect(r.stderr).toBe(LINE)
    expect(r.status).toBe(2)
  })
})
