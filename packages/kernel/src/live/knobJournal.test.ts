// The journal logic on plain files standing in for sysfs knobs (no root needed).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flockHeld } from './fileLock.ts'
import { acquireKnobLock, journalOwnerAlive, journalPath, readJournal, recordJournal, releaseKnobLock, restoreJournal, restoreLeftJournal } from './knobJournal.ts'
import { knobSetting, readKnob } from './knobs.ts'
import { startHolder, type LockHolder } from './lockHolder.testkit.ts'
import { processStart } from './processAlive.ts'

const hasFlock = spawnSync('flock', ['--version']).status === 0

let dir = ''
const saved = process.env['MMSIM_KNOB_JOURNAL']
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmsim-journal-'))
  process.env['MMSIM_KNOB_JOURNAL'] = join(dir, 'run', 'journal.json')
})
let holder: LockHolder | null = null
afterEach(() => {
  holder?.child.kill('SIGKILL')
  holder = null
  releaseKnobLock()
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
    expect(readJournal()).toEqual({ pid: process.pid, start: processStart(), ...(hasFlock ? { lock: 'flock' } : {}), entries: [] })
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

  // The next two replace 'takes over (and first restores) the journal of a dead process', which held the lock
  // itself while it forged a dead owner's journal: with the flock, that lock is still held (by this process).
  it('restores the journal an older mmsim left when it died (no flock mark: its owner is judged from /proc)', async () => {
    const a = join(dir, 'a')
    writeFileSync(a, 'changed')
    mkdirSync(dirname(process.env['MMSIM_KNOB_JOURNAL']!), { recursive: true })
    writeFileSync(process.env['MMSIM_KNOB_JOURNAL']!, JSON.stringify({ pid: 2 ** 30, entries: [{ path: a, value: 'old' }] }))
    await acquireKnobLock(1000)
    expect(readFileSync(a, 'utf8')).toBe('old')
    expect(readJournal()).toEqual({ pid: process.pid, start: processStart(), ...(hasFlock ? { lock: 'flock' } : {}), entries: [] })
  })

  it.skipIf(!hasFlock)('restores a flock journal while nobody holds the flock, though its pid names a live process (recycled)', async () => {
    const a = join(dir, 'a')
    writeFileSync(a, 'changed')
    mkdirSync(dirname(process.env['MMSIM_KNOB_JOURNAL']!), { recursive: true })
    const j = { pid: process.ppid, lock: 'flock' as const, entries: [{ path: a, value: 'old' }] }
    writeFileSync(process.env['MMSIM_KNOB_JOURNAL']!, JSON.stringify(j))
    expect(journalOwnerAlive(j)).toBe(false)
    await acquireKnobLock(1000)
    expect(readFileSync(a, 'utf8')).toBe('old')
    expect(readJournal()!.pid).toBe(process.pid)
  })

  it('waits while an older mmsim (no flock mark) that is alive owns the journal', async () => {
    mkdirSync(dirname(process.env['MMSIM_KNOB_JOURNAL']!), { recursive: true })
    writeFileSync(process.env['MMSIM_KNOB_JOURNAL']!, JSON.stringify({ pid: process.ppid, start: processStart(process.ppid), entries: [] }))
    await expect(acquireKnobLock(300)).rejects.toThrow(`another live-kernel run (pid ${process.ppid})`)
    // it let go of the flock when it gave up
    if (hasFlock) expect(flockHeld(join(dirname(journalPath()), 'knob.flock'))).toBe(false)
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

describe.skipIf(!hasFlock)('knob lock held by another process (flock)', () => {
  it('blocks while the holder lives; after its SIGKILL the journal is judged dead at once and restored by the next acquirer', async () => {
    const a = join(dir, 'a')
    const b = join(dir, 'b')
    writeFileSync(a, 'old a')
    writeFileSync(b, 'old b')
    holder = await startHolder('knob', [
      { path: a, value: 'old a' },
      { path: b, value: 'old b' },
    ])
    const j = readJournal()!
    expect(j).toMatchObject({ pid: holder.pid, lock: 'flock' })
    expect(readFileSync(a, 'utf8')).toBe(`changed by ${holder.pid}`)
    expect(journalOwnerAlive(j)).toBe(true)
    await expect(acquireKnobLock(300)).rejects.toThrow(`another live-kernel run (pid ${holder.pid})`)
    expect(releaseKnobLock()).toEqual([]) // not ours: nothing restored
    expect(readFileSync(a, 'utf8')).toBe(`changed by ${holder.pid}`)

    holder.child.kill('SIGKILL')
    // not reaped yet: a holder being torn down is waited for, then its lock is gone
    expect(journalOwnerAlive(j)).toBe(false)
    await holder.exited
    expect(journalOwnerAlive(j)).toBe(false)
    expect(readJournal()).toEqual(j) // the journal stays until someone restores it
    await acquireKnobLock(1000)
    expect(readFileSync(a, 'utf8')).toBe('old a')
    expect(readFileSync(b, 'utf8')).toBe('old b')
    expect(readJournal()).toEqual({ pid: process.pid, start: processStart(), lock: 'flock', entries: [] })
    expect(releaseKnobLock()).toEqual([])
    expect(readJournal()).toBeNull()
  })

  it('kernel restore (restoreLeftJournal) refuses while the holder lives, restores under the flock after its SIGKILL, and lets go of it', async () => {
    const a = join(dir, 'a')
    writeFileSync(a, 'old a')
    expect(restoreLeftJournal()).toBeNull() // no journal: nothing to do
    holder = await startHolder('knob', [{ path: a, value: 'old a' }])
    expect(restoreLeftJournal()).toBe('held')
    expect(readFileSync(a, 'utf8')).toBe(`changed by ${holder.pid}`)
    expect(readJournal()?.pid).toBe(holder.pid)
    holder.child.kill('SIGKILL')
    await holder.exited
    const r = restoreLeftJournal()
    expect(r).toMatchObject({ journal: { pid: holder.pid, lock: 'flock' }, failed: [] })
    expect(readFileSync(a, 'utf8')).toBe('old a')
    expect(readJournal()).toBeNull()
    await acquireKnobLock(300) // the flock was let go
    expect(releaseKnobLock()).toEqual([])
  })

  it('release drops the flock: another process takes the lock next', async () => {
    await acquireKnobLock()
    expect(releaseKnobLock()).toEqual([])
    holder = await startHolder('knob', [])
    expect(journalOwnerAlive(readJournal()!)).toBe(true)
  })
})

describe('knob lock without flock(1)', () => {
  it('falls back to the journal alone, judged from /proc, with a one-line note', async () => {
    const path = process.env['PATH']
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    process.env['PATH'] = join(dir, 'empty')
    try {
      await acquireKnobLock(1000)
      const j = readJournal()!
      expect(j).toEqual({ pid: process.pid, start: processStart(), entries: [] })
      expect(journalOwnerAlive(j)).toBe(true)
      expect(releaseKnobLock()).toEqual([])
      expect(existsSync(process.env['MMSIM_KNOB_JOURNAL']!)).toBe(false)
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^mmsim: note: flock\(1\) \(util-linux\) not found: .*\/proc\n$/)])
    } finally {
      process.env['PATH'] = path
      err.mockRestore()
    }
  })
})
