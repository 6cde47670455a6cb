import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn } from '../../../../test/cliRun.ts'

// runs the CLI bundle, built before the tests by test/buildBundle.globalSetup.ts
const dir = mkdtempSync(join(tmpdir(), 'mmsim-export-c-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mmsim export-c', () => {
  test('writes the C program and says what it asserts', async () => {
    const out = join(dir, 't.c')
    const r = await mmsimIn('export-c', 'traces/scenarios/collapse-refused-hugetlb.scenario', '-o', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^\S+t\.c: collapse-refused-hugetlb, \d+ checks, [1-9]\d* predicted refusals \(linux-6\.18 model/)
    expect(readFileSync(out, 'utf8')).toMatch(/^\/\/ SPDX-License-Identifier: GPL-2\.0\n/)
  })

  test('a scenario error is its file:line, exit 2', async () => {
    const bad = join(dir, 'bad.scenario')
    writeFileSync(bad, 'p0 mmap A 2M anon private\np0 write B\n')
    const r = await mmsimIn('export-c', bad, '-o', join(dir, 'bad.c'))
    expect(r.stderr).toMatch(/^mmsim: \S+bad\.scenario:2: .*\n$/)
    expect(r.status).toBe(2)
  })

  test('an unwritable output and an unknown scheme are one-line errors, exit 2', async () => {
    const a = await mmsimIn('export-c', 'traces/scenarios/cow-pte-mapped-thp.scenario', '-o', join(dir, 'no/such.c'))
    expect(a.stderr).toMatch(/^mmsim: cannot write \S+such\.c: ENOENT\n$/)
    expect(a.status).toBe(2)
    const b = await mmsimIn('export-c', 'traces/scenarios/cow-pte-mapped-thp.scenario', '--strategy', 'nope', '-o', join(dir, 'x.c'))
    expect(b.stderr).toMatch(/^mmsim: .*nope.*\n$/)
    expect(b.status).toBe(2)
  })
})
