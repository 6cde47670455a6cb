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
