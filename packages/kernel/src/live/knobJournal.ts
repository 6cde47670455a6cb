import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { flockHeld, noteNoFlock, releaseFlock, tryFlock, waitFlock } from './fileLock.ts'
import { knobSetting, writeKnob, type KnobWrite } from './knobs.ts'
import { processAlive, processStart } from './processAlive.ts'

/**
 * Where the knob journal lives. It exists while a run owns the machine's knobs (and after a run killed
 * before it could restore them). Override with MMSIM_KNOB_JOURNAL (tests only); the lock file
 * ({@link knobLockPath}) is beside it.
 */
export function journalPath(): string {
  return process.env['MMSIM_KNOB_JOURNAL'] ?? '/run/mmsim/knob-journal.json'
}

/**
 * knobLockPath - the live-kernel lock: the run that owns the knobs holds an exclusive flock(2) on this
 * file for as long as it lives; the kernel drops it when that process dies, however it dies.
 */
function knobLockPath(): string {
  return join(dirname(journalPath()), 'knob.flock')
}

/**
 * KnobJournal - the journal file: the owning pid, the old value of every knob it may change, and the
 * run's temporary directory (removed on restore, so a SIGKILLed run leaves nothing behind).
 */
export interface KnobJournal {
  pid: number
  /** the owner's start time (/proc/PID/stat field 22): a later process given the same pid is not the owner */
  start?: number
  /**
   * 'flock': the owner held the flock of knobLockPath() and lives exactly as long as that lock is held.
   * Absent (an older mmsim, or no flock(1) on the machine): the owner is judged by @pid and @start in /proc.
   */
  lock?: 'flock'
  entries: KnobWrite[]
  tmpDir?: string
}

/**
 * journalOwnerAlive - whether the run that wrote @j still lives. A journal written under the flock: while
 * some process holds it (an owner being torn down by SIGKILL is waited for, bounded). Otherwise from /proc:
 * a zombie, a recycled pid or a process gone is dead, one with a SIGKILL pending is waited for (processAlive).
 */
export function journalOwnerAlive(j: KnobJournal): boolean {
  if (j.lock === 'flock') {
    const held = flockHeld(knobLockPath(), j.pid)
    if (held !== undefined) return held
    noteNoFlock('knob journal')
  }
  return processAlive(j.pid, j.start)
}

/** the fd holding the flock of knobLockPath() while this process owns the knobs; null otherwise or without flock(1) */
let lockFd: number | null = null

function writeDurable(path: string, text: string, exclusive: boolean): void {
  const fd = openSync(path, exclusive ? 'wx' : 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** readJournal - the journal on disk, or null when there is none (or it is unreadable). */
export function readJournal(): KnobJournal | null {
  try {
    return JSON.parse(readFileSync(journalPath(), 'utf8')) as KnobJournal
  } catch {
    return null
  }
}

/**
 * restoreJournal - write back every old value of @j (a knobSetting) in reverse order (HugeTLB pools before
 * HVO), then delete the journal. Every write is attempted even when one fails.
 * @returns the knobs that could not be restored, as `path: reason` strings (empty on success).
 */
export function restoreJournal(j: KnobJournal): string[] {
  const failed: string[] = []
  for (const e of [...j.entries].reverse()) {
    try {
      if (knobSetting(e.path) !== e.value) writeKnob(e.path, e.value)
    } catch (err) {
      failed.push(`${e.path}: ${(err as Error).message}`)
    }
  }
  if (j.tmpDir?.includes('mmsim-kernel-')) rmSync(j.tmpDir, { recursive: true, force: true })
  if (failed.length === 0) rmSync(journalPath(), { force: true })
  return failed
}

/**
 * restoreLeftJournal - `mmsim kernel restore`: restore the journal a dead run left, holding the knob lock's
 * flock while it does (taken without waiting), so that a run starting at the same moment cannot have its
 * fresh journal restored and deleted under it. The journal is read again once the flock is had.
 * @returns 'held' while a live run owns the knobs (it holds the flock, or — an older mmsim's journal, or no
 * flock(1) — its owner lives by /proc); null when there is no journal; else the journal and the knobs that
 * could not be restored (see restoreJournal).
 */
export function restoreLeftJournal(): 'held' | null | { journal: KnobJournal; failed: string[] } {
  mkdirSync(dirname(journalPath()), { recursive: true })
  const fd = tryFlock(knobLockPath())
  if (fd === null) return 'held'
  try {
    const j = readJournal()
    if (j === null) return null
    // with the flock had, a flock journal's writer is dead; any other is asked of /proc
    if ((fd === undefined || j.lock !== 'flock') && processAlive(j.pid, j.start)) return 'held'
    return { journal: j, failed: restoreJournal(j) }
  } finally {
    if (fd !== undefined) releaseFlock(fd)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * acquireKnobLock - become the only live-kernel run on this machine: take the flock of the lock file
 * (waiting while another run holds it), then create the journal (empty). A journal found then was left by
 * a run that died (SIGKILL) and is restored first. A journal written without the flock (an older mmsim
 * still running from another checkout) is waited for while its owner lives (/proc), so both kinds exclude
 * each other. Without flock(1), the journal alone is the lock, judged from /proc.
 * @timeoutMs: how long to wait for another run (default 10 minutes)
 * Throws Error when the lock cannot be had in time, or the knobs a dead run left cannot be restored.
 */
export async function acquireKnobLock(timeoutMs = 600_000): Promise<void> {
  mkdirSync(dirname(journalPath()), { recursive: true })
  const deadline = Date.now() + timeoutMs
  const held = (): string => `another live-kernel run (pid ${readJournal()?.pid ?? '?'}) holds ${journalPath()}`
  const fd = await waitFlock(knobLockPath(), deadline)
  if (fd === null) throw new Error(held())
  if (fd === undefined) noteNoFlock('knob journal')
  try {
    const mine = { pid: process.pid, start: processStart(), ...(fd === undefined ? {} : { lock: 'flock' as const }), entries: [] } satisfies KnobJournal
    for (;;) {
      try {
        writeDurable(journalPath(), JSON.stringify(mine), true)
        lockFd = fd ?? null
        return
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
      const j = readJournal()
      // we hold the flock, so the writer of a flock journal is dead; any other is asked of /proc
      if (j && ((fd !== undefined && j.lock === 'flock') || !processAlive(j.pid, j.start))) {
        const failed = restoreJournal(j)
        if (failed.length) throw new Error(`could not restore knobs left by dead run ${j.pid}: ${failed.join('; ')}`)
        continue
      }
      if (!j && existsSync(journalPath())) {
        // being written right now (by an older mmsim), or garbage: give the writer a moment, then treat as stale
        await sleep(200)
        if (readJournal() === null) rmSync(journalPath(), { force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(held())
      await sleep(100)
    }
  } catch (e) {
    if (fd !== undefined) releaseFlock(fd)
    throw e
  }
}

/**
 * recordJournal - atomically replace the journal with @entries (old values) before any of them is
 * changed, naming the run's @tmpDir. Precondition: this process holds the lock.
 */
export function recordJournal(entries: KnobWrite[], tmpDir?: string): void {
  const tmp = `${journalPath()}.${process.pid}.tmp`
  const j = { pid: process.pid, start: processStart(), ...(lockFd === null ? {} : { lock: 'flock' as const }), entries, ...(tmpDir ? { tmpDir } : {}) } satisfies KnobJournal
  writeDurable(tmp, JSON.stringify(j, null, 1), false)
  renameSync(tmp, journalPath())
}

/**
 * releaseKnobLock - restore this process's journal (if it still owns it) and delete it, then drop the
 * flock. A journal that could not be fully restored stays, for the next run or `mmsim kernel restore`.
 * @returns the knobs that could not be restored (see restoreJournal).
 */
export function releaseKnobLock(): string[] {
  const j = readJournal()
  try {
    return !j || j.pid !== process.pid ? [] : restoreJournal(j)
  } finally {
    if (lockFd !== null) releaseFlock(lockFd)
    lockFd = null
  }
}
