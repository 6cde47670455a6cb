import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { strategyById } from '@mmsim/strategies'
import { TraceError } from '@mmsim/trace'
import { bisectTrace } from './bisectAnswers.ts'
import { bisectRun } from './bisectRun.ts'
import { diffTrace } from './diffTrace.ts'
import { bisectHvoWrite } from './hvoWriteScan.ts'
import { replayPrefix } from './replayPrefix.ts'

// Commands that rebuild the state event by event (inspect, bisect --run, bisect --hvo-write) cannot go on past a
// lost frame: they refuse a damaged trace with a TraceError (one line, exit 2 in the CLI) naming the damage,
// where it was an Error the CLI printed as "internal error" with a stack trace.
const dir = mkdtempSync(join(tmpdir(), 'mmsim-damaged-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const whole = readFileSync(new URL('../../../traces/fork-cow-pmd-thp.mmtrace', import.meta.url))
const cut = join(dir, 'cut.mmtrace')
writeFileSync(cut, whole.subarray(0, whole.length - 100)) // the trailer and the end of the only frame are gone
const st = strategyById('linux-6.1')!

async function refusal(p: Promise<unknown>): Promise<TraceError> {
  const e = await p.then(() => null, (x: unknown) => x)
  expect(e).toBeInstanceOf(TraceError)
  return e as TraceError
}

describe('a truncated trace is refused with the damage named', () => {
  it('inspect (replayPrefix)', async () => {
    const e = await refusal(replayPrefix(cut, 3, [st]))
    expect(e.userMessage).toMatch(new RegExp(`^${cut}: truncated at byte \\d+ \\(frame 0\\): .*; inspect needs the whole trace \\(mmsim convert --salvage keeps its intact frames\\)$`))
  })
  it('bisect --hvo-write', async () => {
    expect((await refusal(bisectHvoWrite(cut, st))).userMessage).toContain('truncated at byte')
  })
  it('bisect --run', async () => {
    const e = await refusal(bisectRun(cut, { test: () => 0, prefixFile: join(dir, 'prefix.mmtrace') }))
    expect(e.userMessage).toContain('; bisect --run needs the whole trace')
  })
  it('bisect and diff', async () => {
    const b = strategyById('linux-6.15')!
    expect((await refusal(bisectTrace(cut, { a: st, versus: { b } }))).userMessage).toContain('; bisect needs the whole trace')
    expect((await refusal(diffTrace(cut, { a: st, b }))).userMessage).toContain('; diff needs the whole trace')
  })
  it('the whole trace is read by the same call', async () => {
    const r = await replayPrefix(new URL('../../../traces/fork-cow-pmd-thp.mmtrace', import.meta.url).pathname, 3, [st])
    expect(r.events).toBe(3)
  })
})
