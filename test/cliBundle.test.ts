// The precompiled CLI (dist/mmsim.mjs, tools/buildCli.mjs) answers exactly as the TypeScript entry run by tsx.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT, mmsimDev as mmsim, mmsimIn } from './cliRun.ts'

const BUNDLE = join(ROOT, 'dist/mmsim.mjs')
const LAUNCHER = join(ROOT, 'bin/mmsim.mjs')
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

function run(entry: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

describe('the CLI bundle', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, [join(ROOT, 'tools/buildCli.mjs'), '--quiet'], { cwd: ROOT, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it.each([['--version'], ['-V']])('%s prints the root package.json version, as the tsx entry does', (flag) => {
    const b = run(BUNDLE, flag)
    expect(b).toEqual({ status: 0, stdout: version + '\n', stderr: '' })
    expect(mmsim(flag)).toEqual(b)
    expect(run(LAUNCHER, flag)).toEqual(b)
  })

  // the in-process runCli() (what the command tests use) answers byte for byte as the binary does: status,
  // stdout and stderr, for help, commander's usage errors, a user error, and a status-1 answer
  it.each([
    [['--help'], 0],
    [['replay', '--help'], 0],
    [['replay', '--no-such-option', 'x'], 2],
    [['no-such-command'], 2],
    [['replay', 'no/such/file.mmtrace'], 2],
    [['diff', 'traces/fork-cow-pmd-thp.mmtrace', '--a', 'linux-6.15', '--b', './packages/strategies/examples/brokenPmdSplit.js'], 1],
  ])('in process and the bundle agree: %j (status %i)', async (args, status) => {
    const b = run(BUNDLE, ...args)
    expect(b.status).toBe(status)
    expect(await mmsimIn(...args)).toEqual(b)
  })

  it('replays a trace to the same JSON report', () => {
    const args = ['replay', 'traces/fork-cow-pmd-thp.mmtrace', '--json']
    const b = run(BUNDLE, ...args)
    expect(b.status).toBe(0)
    expect(JSON.parse(b.stdout)).toHaveProperty('complete', true)
    expect(mmsim(...args)).toEqual(b)
    expect(run(LAUNCHER, ...args)).toEqual(b)
  })

  it('reports a user error in the same one line', () => {
    const b = run(BUNDLE, 'replay', 'traces/no-such.mmtrace')
    expect(b.status).toBe(2)
    expect(b.stderr).toMatch(/^mmsim: [^\n]*\n$/)
    expect(mmsim('replay', 'traces/no-such.mmtrace')).toEqual(b)
  })

  it.skipIf(!existsSync(join(ROOT, 'node_modules/.bin/mmsim')))('is the mmsim on node_modules/.bin', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/mmsim'), ['--version'], { cwd: ROOT, encoding: 'utf8' })
    expect(r.stdout).toBe(version + '\n')
    expect(r.status).toBe(0)
  })

  it('pnpm mmsim resolves paths against the directory it was run from, not the repository root', () => {
    const r = spawnSync('pnpm', ['-s', 'mmsim', 'info', 'fork-cow-pmd-thp.mmtrace'], { cwd: join(ROOT, 'traces'), encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^trace {8}fork-cow-pmd-thp\.mmtrace\n/)
  })
})
