// folio/splitFailed is an optional event type (core OPTIONAL_TYPES): `mmsim convert` of a trace holding it, to
// JSONL and back to .mmtrace, keeps it (the .mmtrace output declares what its input declared) and the digest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-convert-optional-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const digest = (out: string): string => /digest\s+(sha256:[0-9a-f]+)/.exec(out)![1]!

describe('convert of a trace with folio/splitFailed', () => {
  it('.mmtrace -> .jsonl -> .mmtrace keeps the event and the replay digest', async () => {
    const a = join(dir, 'pin.mmtrace')
    const j = join(dir, 'pin.jsonl')
    const b = join(dir, 'back.mmtrace')
    expect((await mmsimIn('record', 'traces/scenarios/shmem-64K-pin-punch-split-fails.scenario', '-o', a)).status).toBe(0)
    expect((await mmsimIn('convert', a, j)).status).toBe(0)
    expect(readFileSync(j, 'utf8')).toContain('"type":"folio/splitFailed"')
    const c = await mmsimIn('convert', j, b)
    expect(c.status, c.stderr).toBe(0)
    const ra = await mmsimIn('replay', a)
    const rb = await mmsimIn('replay', b)
    expect(rb.stdout).toMatch(/folio\/splitFailed\s+1/)
    expect(digest(rb.stdout)).toBe(digest(ra.stdout))
  })
})
