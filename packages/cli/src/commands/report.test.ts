import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'

// runs the CLI bundle, built before the tests by test/buildBundle.globalSetup.ts
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const mmsim = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/mmsim.mjs', ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const dir = mkdtempSync(join(tmpdir(), 'mmsim-report-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mmsim report', () => {
  test('writes one HTML file for a scenario and names the divergent scheme', () => {
    const out = join(dir, 'r.html')
    const r = mmsim('report', 'traces/scenarios/cow-pte-mapped-thp.scenario', '--strategy', 'linux-6.12,./packages/strategies/examples/brokenPmdSplit.js', '-o', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^\S+r\.html: 19 events, \d+ folios, 1 divergent folios \(broken-pmd-split\), 0 violations\n$/)
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/)
  })

  test.each([
    [['--folios', '0'], /^mmsim: --folios: '0' is not a number of folios from 1 to 100\n$/],
    [['--strategy', 'nope'], /^mmsim: .*nope.*\n$/],
  ])('bad option %j: one line, exit 2', (extra, msg) => {
    const r = mmsim('report', 'traces/scenarios/cow-pte-mapped-thp.scenario', '-o', join(dir, 'x.html'), ...extra)
    expect(r.stderr).toMatch(msg)
    expect(r.status).toBe(2)
  })
})
