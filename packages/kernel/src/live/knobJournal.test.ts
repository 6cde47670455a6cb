// The journal logic on plain files standing in for sysfs knobs (no root needed).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireKnobLock, readJournal, recordJournal, releaseKnobLock, restoreJournal } from './knobJournal.ts'
import { readKnob } from './knobs.ts'
import { processStart } from './processAlive.ts'

let dir = ''
const saved = process.env['MMSIM_KNOB_JOURNAL']
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmsim-journal-'))
  process.env['MMSIM_KNOB_JOURNAL'] = join(dir, 'run', 'journal.json')
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
  if (saved === undefined) delete process.env['MMSIM_KNOB_JOURNAL']
  else process.env['MMSIM_KNOB_JOURNAL'] = saved
})

describe('knob journal', () => {
  it('reads policy files by their bracketed word', () => {
    const p = join(dir, 'enabled')
    writeFileSync(p, 'always [madvise] never\n')
    expect(readKnob(p)).toBe('madvise')
    writeFileSync(p, '10000\n')
    expect(readKnob(p)).toBe('10000')
  })

  it('records old values before changes and restores them in reverse order on release', async () => {
    const a = join(dir, 'a')
    const b = join(dir, 'b')
    writeFileSync(a, '1')
    writeFileSync(b, 'x [y] z')
    await acquireKnobLock()
    expect(readJournal()).toEqual({ pid: process.pid, start: processStart(), entries: [] })
    recordJournal([
      { path: a, value: readKnob(a) },
      { path: b, value: readKnob(b) },
    ])
    writeFileSync(a, '2')
    writeFileSync(b, 'z')
    expect(releaseKnobLock()).toEqual([])
    expect(readFileSync(a, 'utf8')).toBe('1')
    expect(readFileSync(b, 'utf8')).toBe('y')
    expect(readJournal()).toBeNull()
  })

  it('takes over (and first restores) the journal of a dead process', async () => {
    const a = join(dir, 'a')
    writeFileSync(a, 'changed')
    await acquireKnobLock()
    recordJournal([{ path: a, value: 'old' }])
    // pretend the owner was SIGKILLed: a pid that cannot exist
    writeFileSync(process.env['MMSIM_KNOB_JOURNAL']!, JSON.stringify({ pid: 2 ** 30, entries: [{ path: a, value: 'old' }] }))
    await acquireKnobLock(1000)
    expect(readFileSync(a, 'utf8')).toBe('old')
    expect(readJournal()).toEqual({ pid: process.pid, start: processStart(), entries: [] })
    releaseKnobLock()
  })

  it('waits for a live owner and gives up after the timeout', async () => {
    await acquireKnobLock()
    writeFileSync(process.env['MMSIM_KNOB_JOURNAL']!, JSON.stringify({ pid: process.ppid, entries: [] }))
    await expect(acquireKnobLock(300)).rejects.toThrow(/another live-kernel run \(pid \d+\)/)
  })

  it('reports knobs it could not restore and keeps the journal', () => {
    const j = { pid: 1, entries: [{ path: join(dir, 'missing', 'knob'), value: 'v' }] }
    expect(restoreJournal(j)[0]).toMatch(/missing\/knob/)
  })
})
