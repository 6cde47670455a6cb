import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { knobSetting, writeKnob, type KnobWrite } from './knobs.ts'
import { processAlive, processStart } from './processAlive.ts'

/**
 * Where the knob journal lives. The journal doubles as the live-kernel lock: it exists exactly while
 * a run owns the machine's knobs. Override with MMSIM_KNOB_JOURNAL (tests only).
 */
export function journalPath(): string {
  return process.env['MMSIM_KNOB_JOURNAL'] ?? '/run/mmsim/knob-journal.json'
}

/**
 * KnobJournal - the journal file: the owning pid, the old value of every knob it may change, and the
 * run's temporary directory (removed on restore, so a SIGKILLed run leaves nothing behind).
 */
export interface KnobJournal {
  pid: number
  /** the owner's start time (/proc/PID/stat field 22): a later process given the same pid is not the owner */
  start?: number
  entries: KnobWrite[]
  tmpDir?: string
}

/**
 * journalOwnerAlive - whether the run that wrote @j still lives (a zombie, a recycled pid or a process
 * gone is not; one with a SIGKILL pending is waited for: see processAlive).
 */
export function journalOwnerAlive(j: KnobJournal): boolean {
  return processAlive(j.pid, j.start)
}

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * acquireKnobLock - become the only live-kernel run on this machine by creating the journal (empty).
 * A journal left by a dead process (SIGKILL) is restored first. Waits while another live run holds it.
 * @timeoutMs: how long to wait for another run (default 10 minutes)
 * Throws Error when the lock cannot be had in time.
 */
export async function acquireKnobLock(timeoutMs = 600_000): Promise<void> {
  mkdirSync(dirname(journalPath()), { recursive: true })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      writeDurable(journalPath(), JSON.stringify({ pid: process.pid, start: processStart(), entries: [] } satisfies KnobJournal), true)
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const j = readJournal()
    if (j && !journalOwnerAlive(j)) {
      const failed = restoreJournal(j)
      if (failed.length) throw new Error(`could not restore knobs left by dead run ${j.pid}: ${failed.join('; ')}`)
      continue
    }
    if (!j && existsSync(journalPath())) {
      // being written right now, or garbage: give the writer a moment, then treat as stale
      await sleep(200)
      if (readJournal() === null) rmSync(journalPath(), { force: true })
      continue
    }
    if (Date.now() > deadline) throw new Error(`another live-kernel run (pid ${j?.pid}) holds ${journalPath()}`)
    await sleep(100)
  }
}

/**
 * recordJournal - atomically replace the journal with @entries (old values) before any of them is
 * changed, naming the run's @tmpDir. Precondition: this process holds the lock.
 */
export function recordJournal(entries: KnobWrite[], tmpDir?: string): void {
  const tmp = `${journalPath()}.${process.pid}.tmp`
  writeDurable(tmp, JSON.stringify({ pid: process.pid, start: processStart(), entries, ...(tmpDir ? { tmpDir } : {}) } satisfies KnobJournal, null, 1), false)
  renameSync(tmp, journalPath())
}

/** releaseKnobLock - restore this process's journal (if it still owns it) and delete it. @returns failures. */
export function releaseKnobLock(): string[] {
  const j = readJournal()
  if (!j || j.pid !== process.pid) return []
  return restoreJournal(j)
}
