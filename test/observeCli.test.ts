// `mmsim observe` / `mmsim kernel` error paths: one line on stderr, exit 2, never a stack trace.
import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const MAIN = join(ROOT, 'dist/mmsim.mjs')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-cli-'))
chmodSync(dir, 0o755)
const bad = join(dir, 'bad.scenario')
writeFileSync(bad, 'p0 mmap A 4K anon private\np0 write A[4K+4K]\n')
const good = join(dir, 'good.scenario')
writeFileSync(good, 'p0 mmap A 4K anon private\ncheck\n')
chmodSync(good, 0o644)

/** mmsim - run the CLI bundle; @asNobody: as user nobody, from a copy of the bundle in the world-readable test
 * directory (the checkout itself may sit in a directory nobody cannot enter, e.g. root's home or a 0700 mktemp) */
function mmsim(args: string[], asNobody = false) {
  let main = MAIN
  if (asNobody) {
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true })
    main = join(dir, 'dist', 'mmsim.mjs')
  }
  const cmd = asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath]
  return spawnSync(cmd[0]!, [...cmd.slice(1), main, ...args], { cwd: asNobody ? dir : ROOT, encoding: 'utf8', env: { ...process.env, HOME: dir } })
}

describe('mmsim observe', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  it('reports a scenario error as file:line: message with exit 2 and runs nothing', () => {
    const r = mmsim(['observe', '--kernel', bad])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`mmsim: ${bad}:2: range A[4K+4K] is outside mapping A of p0 (expected OFF+LEN <= its size 4K)\n`)
    expect(r.stdout).toBe('')
  })

  it('reports an unreadable file in one line', () => {
    const r = mmsim(['observe', '--kernel', join(dir, 'missing.scenario')])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: cannot read .*missing\.scenario: ENOENT\n$/)
  })

  it.skipIf(process.getuid?.() !== 0)('without root: exit 2 with one line saying root is needed', () => {
    const r = mmsim(['observe', '--kernel', good], true)
    expect(r.stderr).toMatch(/^mmsim: the live kernel needs root[^\n]*\n$/)
    expect(r.status).toBe(2)
  })

  it('without --kernel: the simulated kernel\'s observation document, exit 0', () => {
    const r = mmsim(['observe', good])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout) as { format: string; scenario: string; source: string; checks: unknown[] }
    expect(doc).toMatchObject({ format: 'mmsim-observations/1', source: 'model' })
    expect(doc.checks).toHaveLength(1)
  })
})
