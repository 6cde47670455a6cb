import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { mmsimIn, ROOT } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-analysis-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const COW_PTE = 'traces/scenarios/cow-pte-mapped-thp.scenario'
const FORK_COW = 'traces/scenarios/fork-cow-pmd-thp.scenario'
const BROKEN = './packages/strategies/examples/brokenPmdSplit.js'

describe('mmsim diff / bisect / shrink / inspect', () => {
  test('diff: a scheme against itself exits 0; no-page-mapcount vs linux-6.15 exits 1 with kpagecount differing', async () => {
    const same = await mmsimIn('diff', COW_PTE, '--a', 'linux-6.15', '--b', 'linux-6.15', '--json')
    expect(same.status).toBe(0)
    expect(JSON.parse(same.stdout)).toMatchObject({ same: true, labels: ['linux-6.15', 'linux-6.15'] })
    const differ = await mmsimIn('diff', FORK_COW, '--a', 'linux-6.15-no-page-mapcount', '--b', 'linux-6.15')
    expect(differ.status).toBe(1)
    expect(differ.stdout).toMatch(/answers differ/)
    expect(differ.stdout).toMatch(/^ {2}kpagecount +[1-9]\d* +first: event \d+ rmap\/removed/m)
    expect(differ.stdout).toMatch(/^ {2}total +\d+/m)
  })

  test('bisect --truth names the PMD split the broken plugin mishandles, with its scenario line', async () => {
    const text = readFileSync(COW_PTE, 'utf8')
    const events = simulateScenario(parseScenario(text, COW_PTE)).events
    const split = events.findIndex((e) => e.type === 'pmd/remapped')
    const r = await mmsimIn('bisect', COW_PTE, '--a', BROKEN, '--truth')
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`first divergence after event ${split}: pmd/remapped`)
    expect(r.stdout).toContain(`cause: ${COW_PTE}:6`)
    expect(r.stdout).toMatch(/folioMapcount of folio 0x[0-9a-f]+: broken-pmd-split 513, truth 512/)
  })

  test('record --kernel --stored embeds the observations; bisect --kernel then finds linux-6.15 in agreement', async () => {
    const trace = join(dir, 'fork.mmtrace')
    expect((await mmsimIn('record', FORK_COW, '--kernel', '--stored', '-o', trace)).status).toBe(0)
    expect(existsSync(join(dir, 'fork.kernel.json'))).toBe(true)
    const r = await mmsimIn('bisect', trace, '--a', 'linux-6.15', '--kernel')
    expect(r.stdout).toMatch(/no divergence: linux-6.15 and kernel agree/)
    expect(r.status).toBe(0)
  })

  test('bisect --run: git bisect run exit codes, first bad event printed', async () => {
    const trace = join(dir, 'cow.mmtrace')
    expect((await mmsimIn('record', COW_PTE, '-o', trace)).status).toBe(0)
    // good while the prefix has fewer than 12 events: event 11 is the first bad one
    const r = await mmsimIn('bisect', trace, '--run', 'test "$MMSIM_PREFIX_EVENTS" -lt 12 && test -s')
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^Bisecting: \d+ events left to test after this \(roughly \d+ steps\)$/m)
    expect(r.stdout).toMatch(/^\[[0-9a-f]{12}\] prefix of \d+ events/m)
    expect(r.stdout).toContain('event 11 is the first bad event')
    const abort = await mmsimIn('bisect', trace, '--run', 'exit 200; true')
    expect(abort.status).toBe(2)
    expect(abort.stderr).toMatch(/bisect run failed: the command exited with 200/)
  })

  test('shrink -o writes a 1-minimal scenario that still diverges; inspect shows the state after an event', async () => {
    const out = join(dir, 'min.scenario')
    const r = await mmsimIn('shrink', COW_PTE, '--a', BROKEN, '--truth', '-o', out)
    expect(r.status).toBe(0)
    const min = parseScenario(readFileSync(out, 'utf8'), out)
    expect(min.statements.filter((s) => s.op !== 'scenario').map((s) => s.op)).toEqual(['mmap', 'madvise', 'write', 'mprotect'])
    expect(r.stdout).toMatch(/folioMapcount of folio 0x[0-9a-f]+: broken-pmd-split 513, truth 512/)
    const i = await mmsimIn('inspect', out, '--at', '7', '--strategy', `linux-6.15,${BROKEN}`)
    expect(i.status).toBe(0)
    expect(i.stdout).toMatch(/^state after event 7: pmd\/remapped/m)
    expect(i.stdout).toMatch(/^ {2}broken-pmd-split +513 +1 /m)
  })

  test('--run follows git and C-Reduce: a command not found is an error, not "bad" or "uninteresting"; ./test.sh is the caller\'s', async () => {
    const trace = join(dir, 'cow127.mmtrace')
    expect((await mmsimIn('record', COW_PTE, '-o', trace)).status).toBe(0)
    const b = await mmsimIn('bisect', trace, '--run', 'no-such-command-mmsim')
    expect(b.status).toBe(2)
    // the command's own stderr goes through (as under git bisect run); mmsim's verdict is the last line
    expect(b.stderr).toMatch(/\nmmsim: bisect run failed: the command exited 127 on the whole trace and on the empty prefix too [^\n]*\n$/)
    const s = await mmsimIn('shrink', COW_PTE, '--run', 'no-such-command-mmsim', '-o', join(dir, 'never.scenario'))
    expect(s.status).toBe(2)
    expect(s.stderr).toMatch(/^mmsim: --run: 'no-such-command-mmsim' exited 127 \(command not found\)/)
    // interesting while the candidate still writes twice: a relative script in the caller's directory
    const work = mkdtempSync(join(dir, 'cwd-'))
    writeFileSync(join(work, 'test.sh'), '#!/bin/sh\n[ "$(grep -c write "$1")" -ge 2 ]\n')
    chmodSync(join(work, 'test.sh'), 0o755)
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/mmsim.mjs'), 'shrink', join(ROOT, FORK_COW), '--run', './test.sh', '-o', 'min.scenario'], { cwd: work, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(readFileSync(join(work, 'min.scenario'), 'utf8').match(/write/g)).toHaveLength(2)
  })

  test('usage errors exit 2 with one line', async () => {
    for (const args of [['bisect', COW_PTE, '--truth'], ['bisect', COW_PTE, '--a', 'linux-6.15', '--truth', '--b', 'linux-6.12'], ['diff', COW_PTE, '--a', 'nope', '--b', 'linux-6.15'], ['bisect', COW_PTE, '--a', 'linux-6.15', '--truth', '--query', 'bogus']]) {
      const r = await mmsimIn(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})
