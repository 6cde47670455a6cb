import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn } from '../../../../test/cliRun.ts'

// runs the CLI bundle, built before the tests by test/buildBundle.globalSetup.ts
const dir = mkdtempSync(join(tmpdir(), 'mmsim-export-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mmsim export perfetto', () => {
  test('writes a trace-event document for a scenario and says what it wrote', async () => {
    const out = join(dir, 'a.json')
    const r = await mmsimIn('export', 'perfetto', 'traces/scenarios/cow-pte-mapped-thp.scenario', '--strategy', 'linux-6.12,./packages/strategies/examples/brokenPmdSplit.js', '--top', '1', '-o', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    // the busiest folio is the THP (0x100400): 7 changes of value (see perfettoExport.test.ts) on 3 tracks
    // (truth, linux-6.12, broken-pmd-split); the broken plugin diverges once, at the PMD split
    expect(r.stdout).toBe(`${out}: 19 events, 1 folios (0x100400), 21 counter samples, 1 divergences, 0 violations\n`)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string }[] }
    expect(doc.traceEvents.filter((e) => e.ph === 'C')).toHaveLength(21)
  })

  test.each([
    [['--folio', 'zz'], /^mmsim: --folio: 'zz' is not a PFN \(decimal or 0x-hex\)\n$/],
    [['--top', '0'], /^mmsim: --top: '0' is not a number of folios from 1 to 4096\n$/],
    [['--strategy', 'nope'], /^mmsim: .*nope.*\n$/],
  ])('bad option %j: one line, exit 2', async (extra, msg) => {
    const r = await mmsimIn('export', 'perfetto', 'traces/scenarios/cow-pte-mapped-thp.scenario', '-o', join(dir, 'x.json'), ...extra)
    expect(r.stderr).toMatch(msg)
    expect(r.status).toBe(2)
  })

  test('an unreadable input and an unwritable output are one-line errors', async () => {
    const a = await mmsimIn('export', 'perfetto', 'package.json', '-o', join(dir, 'y.json'))
    expect(a.stderr).toMatch(/^mmsim: package\.json: not an mmsim trace .*\n$/)
    expect(a.status).toBe(2)
    const b = await mmsimIn('export', 'perfetto', 'traces/fork-cow-pmd-thp.mmtrace', '-o', join(dir, 'no/such/dir.json'))
    expect(b.stderr).toMatch(/^mmsim: cannot write .*dir\.json: ENOENT\n$/)
    expect(b.status).toBe(2)
  })
})
