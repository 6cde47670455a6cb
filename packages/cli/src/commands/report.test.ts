import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn } from '../../../../test/cliRun.ts'

// runs the CLI bundle, built before the tests by test/buildBundle.globalSetup.ts
const dir = mkdtempSync(join(tmpdir(), 'mmsim-report-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mmsim report', () => {
  test('writes one HTML file for a scenario and names the divergent scheme', async () => {
    const out = join(dir, 'r.html')
    const r = await mmsimIn('report', 'traces/scenarios/cow-pte-mapped-thp.scenario', '--strategy', 'linux-6.12,./packages/strategies/examples/brokenPmdSplit.js', '-o', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^\S+r\.html: 19 events, \d+ folios, 1 divergent folios \(broken-pmd-split\), 0 violations\n$/)
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/)
  })

  test.each([
    [['--folios', '0'], /^mmsim: --folios: '0' is not a number of folios from 1 to 100\n$/],
    [['--strategy', 'nope'], /^mmsim: .*nope.*\n$/],
  ])('bad option %j: one line, exit 2', async (extra, msg) => {
    const r = await mmsimIn('report', 'traces/scenarios/cow-pte-mapped-thp.scenario', '-o', join(dir, 'x.html'), ...extra)
    expect(r.stderr).toMatch(msg)
    expect(r.status).toBe(2)
  })
})
