// `-` is stdin/stdout wherever a trace is read or written; outputs appear whole or not at all and never
// overwrite an input.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsim, ROOT } from './cliRun.ts'

const TRACE = join(ROOT, 'traces/fork-cow-pmd-thp.mmtrace')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-stdio-'))
const sh = (script: string) => spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: ROOT, encoding: 'utf8' })
const digestOf = (replayJson: string): string => (JSON.parse(replayJson) as { digest: string }).digest

describe('stdin and stdout', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const want = digestOf(mmsim('replay', TRACE, '--json').stdout)

  it('replay - reads an .mmtrace from stdin, and info - too', () => {
    const r = sh(`node dist/mmsim.mjs replay - --json < ${TRACE}`)
    expect(r.status).toBe(0)
    expect(digestOf(r.stdout)).toBe(want)
    const i = sh(`cat ${TRACE} | node dist/mmsim.mjs info -`)
    expect(i.status).toBe(0)
    expect(i.stdout).toMatch(/^read {9}\d+ frames, [\d,]+ events, intact$/m)
  })

  it('convert to - writes to stdout (--to names the format), and a JSONL stream on stdin is recognised by content', () => {
    const r = sh(`node dist/mmsim.mjs convert ${TRACE} - --to jsonl | node dist/mmsim.mjs replay - --json`)
    expect(r.stderr).toMatch(/^mmsim convert: [\d,]+ events\n$/)
    expect(r.status).toBe(0)
    expect(digestOf(r.stdout)).toBe(want)
    const back = sh(`node dist/mmsim.mjs convert ${TRACE} - --to jsonl | node dist/mmsim.mjs convert - - --to mmtrace | node dist/mmsim.mjs replay - --json`)
    expect(back.status).toBe(0)
    expect(digestOf(back.stdout)).toBe(want)
  })

  it('record - -o - : a scenario on stdin becomes a trace on stdout; observe - reads stdin; record refuses -o INPUT', () => {
    const r = sh(`printf 'p0 mmap A 8K anon private\\np0 write A\\ncheck\\n' | node dist/mmsim.mjs record - -o - | node dist/mmsim.mjs replay - --json`)
    expect(r.stderr).toMatch(/^stdin: \d+ events, 1 checks -> -\n$/)
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ groundTruth: { entries: { pte: 2 } }, violations: { count: 0 } })
    const o = sh(`printf 'p0 mmap A 4K anon private\\nline two is bad\\n' | node dist/mmsim.mjs observe -`)
    expect(o.status).toBe(2)
    expect(o.stderr).toMatch(/^mmsim: stdin:2: /)
    const scenario = join(dir, 'x.scenario')
    copyFileSync(join(ROOT, 'traces/scenarios/fork-cow-pmd-thp.scenario'), scenario)
    const self = mmsim('record', scenario, '-o', scenario)
    expect(self.status).toBe(2)
    expect(self.stderr).toBe(`mmsim: ${scenario}: refusing to overwrite the input ${scenario}\n`)
    expect(readFileSync(scenario, 'utf8')).toBe(readFileSync(join(ROOT, 'traces/scenarios/fork-cow-pmd-thp.scenario'), 'utf8'))
  })

  it('an answer of megabytes to a pipe read slowly arrives whole (the process waits for stdout to drain before it exits)', () => {
    // 40 checks of 512 present pages: about 2.9 MB of observation JSON, far over a pipe's 64 KiB
    writeFileSync(join(dir, 'big.scenario'), `p0 mmap B 2M anon private\np0 write B\n${'check\n'.repeat(40)}`)
    const file = sh(`node dist/mmsim.mjs observe ${dir}/big.scenario > ${dir}/big.json`)
    expect(file.status, file.stderr).toBe(0)
    const size = readFileSync(join(dir, 'big.json')).length
    expect(size).toBeGreaterThan(1_000_000)
    const piped = sh(`node dist/mmsim.mjs observe ${dir}/big.scenario | { sleep 1; wc -c; }`)
    expect(piped.status, piped.stderr).toBe(0)
    expect(Number(piped.stdout.trim())).toBe(size)
  })

  it('convert refuses to overwrite its input and leaves no temporary file behind', () => {
    const copy = join(dir, 'in.mmtrace')
    copyFileSync(TRACE, copy)
    const r = mmsim('convert', copy, copy)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`mmsim: ${copy}: refusing to overwrite the input ${copy}\n`)
    expect(readFileSync(copy)).toEqual(readFileSync(TRACE))
    const out = join(dir, 'out.jsonl')
    expect(mmsim('convert', copy, out).status).toBe(0)
    expect(existsSync(out)).toBe(true)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
