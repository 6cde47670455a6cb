// The journal logic on plain files standing in for sysfs knobs (no root needed).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireKnobLock, readJournal, recordJournal, releaseKnobLock, restoreJournal } from './knobJournal.ts'
import { knobSetting, readKnob } from './knobs.ts'
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

  it("records a HugeTLB pool's setting (nr_hugepages - surplus_hugepages) and restores that, not what it read", async () => {
    // a pool of 24 pages that are all surplus (reserved by another user, or leaked) is a persistent pool of 0:
    // writing 24 back would turn them persistent, so the journal holds 0
    const pool = join(dir, 'hugepages-2048kB')
    mkdirSync(pool)
    const nr = join(pool, 'nr_hugepages')
    writeFileSync(nr, '24\n')
    writeFileSync(join(pool, 'surplus_hugepages'), '24\n')
    expect(knobSetting(nr)).toBe('0')
    const other = join(dir, 'enabled')
    writeFileSync(other, 'always [madvise] never\n')
    expect(knobSetting(other)).toBe('madvise')
    await acquireKnobLock()
    recordJournal([{ path: nr, value: knobSetting(nr) }])
    expect(readJournal()!.entries).toEqual([{ path: nr, value: '0' }])
    writeFileSync(nr, '26\n') // the run set a pool of 2 over the 24 held pages
    writeFileSync(join(pool, 'surplus_hugepages'), '24\n')
    expect(releaseKnobLock()).toEqual([])
    expect(readFileSync(nr, 'utf8')).toBe('0')
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
