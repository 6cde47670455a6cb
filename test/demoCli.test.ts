// `mmsim demo`: the README's first command works from any directory and leaves the live kernel alone.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './cliRun.ts'

const away = mkdtempSync(join(tmpdir(), 'mmsim-demo-cwd-'))

describe('mmsim demo', () => {
  afterAll(() => rmSync(away, { recursive: true, force: true }))
  it('run from outside the checkout: records, replays and agrees with the stored observation, without --kernel', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/mmsim.mjs'), 'demo'], { cwd: away, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^recorded fork-cow-pmd-thp: \d+ events from traces\/scenarios\/fork-cow-pmd-thp\.scenario\n/)
    expect(r.stdout).toMatch(/\nTest fork-cow-pmd-thp Agree \(3 checks, \d+ pages vs stored observation /)
  })
})
