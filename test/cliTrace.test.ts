import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-cli-'))
const DEMO = 'traces/fork-cow-pmd-thp.mmtrace'
const digestOf = (out: string): string => /digest\s+sha256:([0-9a-f]{64})/.exec(out)?.[1] ?? 'none'

describe('mmsim replay / info / convert on the bundled trace', () => {
  it('replays the bundled trace: report matches the hand-checked golden file, exit 0, quiet stderr', async () => {
    const r = await mmsimIn('replay', DEMO)
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    await expect(r.stdout).toMatchFileSnapshot('../traces/fork-cow-pmd-thp.golden.txt')
  })

  it('the JSONL it was written from replays to the same digest, and --json carries the same figures', async () => {
    const a = await mmsimIn('replay', DEMO)
    const b = await mmsimIn('replay', 'traces/fork-cow-pmd-thp.jsonl')
    expect(digestOf(b.stdout)).toBe(digestOf(a.stdout))
    const j = JSON.parse((await mmsimIn('replay', DEMO, '--json')).stdout) as { digest: string; violations: { count: number }; groundTruth: { entries: { pmd: number; pte: number } } }
    expect(j.digest).toBe(digestOf(a.stdout))
    expect(j.violations.count).toBe(0)
    // after p1 exits only p0's PMD remains (worked by hand from the scenario)
    expect(j.groundTruth.entries).toEqual({ pte: 0, pmd: 1, pud: 0 })
  })

  it('convert .mmtrace -> .jsonl -> .mmtrace keeps every event', async () => {
    const j = join(dir, 'x.jsonl')
    const m = join(dir, 'x.mmtrace')
    expect((await mmsimIn('convert', DEMO, j)).status).toBe(0)
    expect((await mmsimIn('convert', j, m, '--frame-events', '5')).status).toBe(0)
    expect(digestOf((await mmsimIn('replay', m)).stdout)).toBe(digestOf((await mmsimIn('replay', DEMO)).stdout))
    const info = await mmsimIn('info', m)
    expect(info.status).toBe(0)
    expect(info.stdout).toMatch(/index\s+5 frames, 22 events/)
  })
})

describe('errors: one line, the right exit code, no stack trace', () => {
  const noStack = (s: string): void => {
    expect(s).not.toMatch(/\n\s+at /)
    expect(s.trim().split('\n')).toHaveLength(1)
  }

  it('a file that is not a trace: exit 2', async () => {
    const f = join(dir, 'notes.mmtrace')
    writeFileSync(f, 'just some text\n')
    const r = await mmsimIn('replay', f)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`mmsim: ${f}: not an mmsim trace (expected 'MMTRACE1' at byte 0, found 'just som')\n`)
  })

  it('a missing file: exit 2', async () => {
    const r = await mmsimIn('replay', join(dir, 'nope.mmtrace'))
    expect(r.status).toBe(2)
    noStack(r.stderr)
    expect(r.stderr).toMatch(/cannot open \(ENOENT\)/)
  })

  it('a bad JSONL line: exit 2 with file:line', async () => {
    const f = join(dir, 'bad.jsonl')
    writeFileSync(f, '{"type":"process/created","pid":0}\n{"type":"vma/mapped","pid":0}\n')
    const r = await mmsimIn('replay', f)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`mmsim: ${f}:2: vma/mapped: missing field 'vpn'\n`)
  })

  it('a truncated trace: every complete frame is replayed, the cut is reported by byte offset, exit 1', async () => {
    const m = join(dir, 'five.mmtrace')
    await mmsimIn('convert', DEMO, m, '--frame-events', '5')
    const b = readFileSync(m)
    const last = b.lastIndexOf('FRM1')
    const f = join(dir, 'cut.mmtrace')
    writeFileSync(f, b.subarray(0, last + 30)) // into the payload of the last frame (2 events)
    const r = await mmsimIn('replay', f)
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/events\s+20 in 4 frames — INCOMPLETE/)
    expect(r.stdout).toContain(`cut.mmtrace: truncated at byte ${last} (frame 4): the file ends 10 bytes into a frame of`)
    // the cut frame held 2 events; whether more were recorded after it nothing in the file says
    expect(r.stdout).toContain(' bytes (2 events); 20 events were committed before it; how many were recorded after them is unknown; lost an unknown number of events\n')
    writeFileSync(f, b.subarray(0, last + 7)) // into its header
    expect((await mmsimIn('replay', f)).stdout).toContain(`truncated at byte ${last} (frame 4): the file ends 7 bytes into a frame header; 20 events were committed before it; how many were recorded after them is unknown; lost an unknown number of events`)
    writeFileSync(f, b.subarray(0, last)) // exactly at the frame boundary: not 'lost 0 events'
    expect((await mmsimIn('replay', f)).stdout).toContain(`truncated at byte ${last}: the file ends after frame 3 without an index (the recording was cut off after 20 events were committed); how many were recorded after is unknown; lost an unknown number of events`)
  })

  it('a corrupted frame stops the replay (exit 1); --salvage skips only that frame', async () => {
    const m = join(dir, 'five2.mmtrace')
    await mmsimIn('convert', DEMO, m, '--frame-events', '5')
    const idx = JSON.parse((await mmsimIn('info', m, '--json')).stdout) as { bytes: number }
    void idx
    const b = Buffer.from(readFileSync(m))
    const second = b.indexOf('FRM1', b.indexOf('FRM1') + 1)
    b[second + 40]! ^= 0xff
    const f = join(dir, 'flip.mmtrace')
    writeFileSync(f, b)
    const strict = await mmsimIn('replay', f)
    expect(strict.status).toBe(1)
    expect(strict.stdout).toMatch(new RegExp(`corrupted at byte ${second} \\(frame 1\\): checksum mismatch; lost 5 events`))
    const salv = await mmsimIn('replay', f, '--salvage')
    expect(salv.status).toBe(1)
    expect(salv.stdout).toMatch(/events\s+17 in 4 frames/)
    expect(salv.stdout).toMatch(/skipped, resumed at byte/)
  })

  it('violations: exit 1, listed with their event index; --stop-on-violation stops at the first', async () => {
    const f = join(dir, 'viol.jsonl')
    const lines = readFileSync('traces/fork-cow-pmd-thp.jsonl', 'utf8').trim().split('\n')
    // drop the fork: the child's duplicate then maps into a process that does not exist
    const bad = lines.filter((l) => !l.includes('"process/forked"'))
    writeFileSync(f, bad.join('\n') + '\n')
    const r = await mmsimIn('replay', f)
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/violations\s+\d+/)
    expect(r.stdout).toMatch(/#5 rmap\/anonDuplicated \(fork-cow-pmd-thp\.scenario:6\): process p1 is not live/)
    const s = await mmsimIn('replay', f, '--stop-on-violation', '--json')
    const j = JSON.parse(s.stdout) as { events: number; stoppedAtViolation: boolean; violations: { count: number } }
    expect(s.status).toBe(1)
    expect(j).toMatchObject({ events: 6, stoppedAtViolation: true, violations: { count: 1 } })
  })

  it('usage errors: exit 2', async () => {
    expect((await mmsimIn('replay')).status).toBe(2)
    expect((await mmsimIn('frobnicate')).status).toBe(2)
    expect((await mmsimIn('replay', DEMO, '--bogus')).status).toBe(2)
    const c = await mmsimIn('convert', DEMO, join(dir, 'x.txt'))
    expect(c.status).toBe(2)
    expect(c.stderr).toMatch(/expected a \.mmtrace or \.jsonl extension/)
  })

  it('--decode-only reads every frame and applies nothing', async () => {
    const r = await mmsimIn('replay', DEMO, '--decode-only')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/22 in 1 frame \(decode only: nothing applied\)/)
  })
})
