// The CLI in process reads and writes where its context says: relative paths name files in io.cwd (not the
// test process's cwd, which vitest sets to ROOT), and `-` reads io.stdin.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn, ROOT, runIn } from './cliRun.ts'

const TRACE = join(ROOT, 'traces/fork-cow-pmd-thp.mmtrace')
const SCENARIO = join(ROOT, 'traces/scenarios/fork-cow-pmd-thp.scenario')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-cwd-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
copyFileSync(TRACE, join(dir, 't.mmtrace'))
copyFileSync(SCENARIO, join(dir, 's.scenario'))
copyFileSync(SCENARIO.replace(/\.scenario$/, '.kernel.json'), join(dir, 's.kernel.json'))

const digestOf = (json: string): string => (JSON.parse(json) as { digest: string }).digest

describe('relative paths resolve against io.cwd', () => {
  test('the cwd of the test process is not the temporary directory (t.mmtrace is not found there)', async () => {
    expect(process.cwd()).not.toBe(dir)
    expect(existsSync('t.mmtrace')).toBe(false)
    const r = await mmsimIn('replay', 't.mmtrace')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/t\.mmtrace/)
  })

  test('replay t.mmtrace in io.cwd: the bundled trace\'s report, named as given', async () => {
    const want = await mmsimIn('replay', TRACE, '--json')
    const r = await runIn(['replay', 't.mmtrace', '--json'], { cwd: dir })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(digestOf(r.stdout)).toBe(digestOf(want.stdout))
    expect((JSON.parse(r.stdout) as { file: string }).file).toBe('t.mmtrace')
  })

  test('convert writes its output under io.cwd, and refuses to overwrite the input named relatively', async () => {
    const r = await runIn(['convert', 't.mmtrace', 'out.jsonl'], { cwd: dir })
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^out\.jsonl: 22 events\n$/)
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(true)
    expect(existsSync(join(ROOT, 'out.jsonl'))).toBe(false)
    const back = await runIn(['replay', 'out.jsonl', '--json'], { cwd: dir })
    expect(digestOf(back.stdout)).toBe(digestOf((await mmsimIn('replay', TRACE, '--json')).stdout))
    const self = await runIn(['convert', 't.mmtrace', `${dir}/t.mmtrace`], { cwd: dir })
    expect(self.status).toBe(2)
    expect(self.stderr).toBe(`mmsim: ${dir}/t.mmtrace: refusing to overwrite the input t.mmtrace\n`)
  })

  test('record s.scenario -o s.mmtrace, and verify --stored finds s.kernel.json beside the scenario', async () => {
    const r = await runIn(['record', 's.scenario', '-o', 's.mmtrace'], { cwd: dir })
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/-> s\.mmtrace\n$/)
    expect(existsSync(join(dir, 's.mmtrace'))).toBe(true)
    const v = await runIn(['verify', '--stored', 's.scenario'], { cwd: dir })
    expect(v.stderr).toBe('')
    expect(v.status).toBe(0)
    expect(v.stdout).toMatch(/^Test fork-cow-pmd-thp Agree /)
    // a scenario given to an analysis command: run on the simulated kernel, its stored observation found (bisect --kernel)
    const b = await runIn(['bisect', 's.scenario', '--a', 'linux-6.15', '--kernel', '--json'], { cwd: dir })
    expect(b.stderr).toBe('')
    expect(JSON.parse(b.stdout)).toMatchObject({ mode: 'answers', input: 's.scenario', labels: ['linux-6.15', 'kernel'] })
  })

  test('-o of export-c and report, and a --strategy plugin path, are relative to io.cwd', async () => {
    const c = await runIn(['export-c', 's.scenario', '-o', 's.c'], { cwd: dir })
    expect(c.status).toBe(0)
    expect(readFileSync(join(dir, 's.c'), 'utf8')).toMatch(/#include/)
    const h = await runIn(['report', 't.mmtrace', '--strategy', 'linux-6.15', '-o', 'r.html'], { cwd: dir })
    expect(h.status).toBe(0)
    expect(existsSync(join(dir, 'r.html'))).toBe(true)
    // from packages/ the example plugin is ./strategies/examples/…, not ./packages/strategies/examples/…
    const p = await runIn(['strategies', '--plugin', './strategies/examples/brokenPmdSplit.js'], { cwd: join(ROOT, 'packages') })
    expect(p.stderr).toBe('')
    expect(p.stdout).toMatch(/^broken-pmd-split /m)
  })
})

describe('`-` reads io.stdin', () => {
  test('replay - and info - read an .mmtrace given as a Buffer', async () => {
    const bytes = readFileSync(TRACE)
    const want = digestOf((await mmsimIn('replay', TRACE, '--json')).stdout)
    const r = await runIn(['replay', '-', '--json'], { stdin: bytes })
    expect(r.stderr).toBe('')
    expect(digestOf(r.stdout)).toBe(want)
    const i = await runIn(['info', '-'], { stdin: bytes })
    expect(i.stdout).toMatch(/^read {9}\d+ frames, 22 events, intact$/m)
  })

  test('a JSONL trace on a stdin stream (a Readable) is recognised by content', async () => {
    const text = readFileSync(join(ROOT, 'traces/fork-cow-pmd-thp.jsonl'))
    const r = await runIn(['replay', '-', '--json'], { stdin: Readable.from([text.subarray(0, 100), text.subarray(100)]) })
    expect(r.stderr).toBe('')
    expect(digestOf(r.stdout)).toBe(digestOf((await mmsimIn('replay', TRACE, '--json')).stdout))
  })

  test('record - -o FILE and observe - read a scenario from stdin; a parse error names stdin', async () => {
    const r = await runIn(['record', '-', '-o', 'x.mmtrace'], { cwd: dir, stdin: 'p0 mmap A 8K anon private\np0 write A\ncheck\n' })
    expect(r.stderr).toMatch(/^stdin: \d+ events, 1 checks -> x\.mmtrace\n$/)
    const j = JSON.parse((await runIn(['replay', 'x.mmtrace', '--json'], { cwd: dir })).stdout) as unknown
    expect(j).toMatchObject({ groundTruth: { entries: { pte: 2 } }, violations: { count: 0 } })
    const o = await runIn(['observe', '-'], { stdin: 'p0 mmap A 4K anon private\nline two is bad\n' })
    expect(o.status).toBe(2)
    expect(o.stderr).toMatch(/^mmsim: stdin:2: /)
  })

  test('an empty stdin (runIn\'s default) is an empty scenario for observe and an empty JSONL trace for replay, as for the binary', async () => {
    const o = await runIn(['observe', '-'], {})
    expect(o.status).toBe(0)
    expect((JSON.parse(o.stdout) as { checks: unknown[] }).checks).toEqual([])
    const r = await runIn(['replay', '-'], {})
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^trace {7}- \(mmtrace v1, source: jsonl stdin\)\nevents {6}0 in 0 frames\n/)
  })
})
