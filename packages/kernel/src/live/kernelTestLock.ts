import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { flockHeld, noteNoFlock, releaseFlock, waitFlock } from './fileLock.ts'
import { journalPath } from './knobJournal.ts'
import { processAlive, processStart } from './processAlive.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// The lock is the flock of lockFile(). The directory lockDir() is still created while it is held, naming
// the owner, for older checkouts that know only the directory (a bench of an older ref, a CI run of an
// older commit): they wait for it, and it waits for theirs.
function lockFile(): string {
  return join(dirname(journalPath()), 'kernel-tests.flock')
}

function lockDir(): string {
  return join(dirname(journalPath()), 'kernel-tests.lock')
}

/** the fd holding the flock of lockFile() while this process holds the test lock; null otherwise or without flock(1) */
let lockFd: number | null = null

/** true when lock directory @dir has existed for @ms without naming its owner (or is gone) */
function unnamedFor(dir: string, ms: number): boolean {
  try {
    return Date.now() - statSync(dir).mtimeMs > ms
  } catch {
    return true
  }
}

/** the owner named by lock directory @dir: its pid, its start time when the lock records one, and whether it held the flock */
function lockOwner(dir: string): { pid: number; start: number | undefined; flock: boolean } {
  let pid = NaN
  let start: number | undefined
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
    start = Number(readFileSync(join(dir, 'start'), 'utf8'))
  } catch {
    /* being created, or written before start times were recorded */
  }
  return { pid, start: start !== undefined && Number.isFinite(start) ? start : undefined, flock: existsSync(join(dir, 'flock')) }
}

/**
 * acquireDirLock - take lock directory @dir (created holding our pid in @dir/pid, our start time in
 * @dir/start); a lock left by a dead process (gone, a zombie, or its pid recycled: see processAlive) is
 * taken over. Polls every @pollMs; @onWait is told the owner's pid once, when it starts waiting;
 * throws after @timeoutMs (default: waits for ever).
 * @flocked: the caller holds the flock every owner that marks its directory (@dir/flock) holds while it
 * lives, so a marked directory is stale; the directory we create is marked.
 */
export async function acquireDirLock(dir: string, opts: { timeoutMs?: number; pollMs?: number; onWait?: (owner: number) => void; flocked?: boolean } = {}): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true })
  const deadline = Date.now() + (opts.timeoutMs ?? Infinity)
  let waiting = false
  for (;;) {
    try {
      mkdirSync(dir)
      if (opts.flocked) writeFileSync(join(dir, 'flock'), '')
      const start = processStart()
      if (start !== undefined) writeFileSync(join(dir, 'start'), String(start))
      writeFileSync(join(dir, 'pid'), String(process.pid))
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const { pid: owner, start, flock } = lockOwner(dir)
    // no pid yet: the owner is between mkdir and writing it (alive), unless it died there seconds ago
    const alive = opts.flocked && flock ? false : Number.isInteger(owner) && owner > 0 ? processAlive(owner, start) : !unnamedFor(dir, 5000)
    if (!alive) rmSync(dir, { recursive: true, force: true })
    else if (Date.now() > deadline) throw new Error(`pid ${owner} holds ${dir}`)
    else {
      if (!waiting) opts.onWait?.(owner)
      waiting = true
      await sleep(opts.pollMs ?? 100)
    }
  }
}

/**
 * acquireKernelTestLock - serialize the live-kernel test files (vitest runs files in parallel): a
 * test that inspects knobs between runs must not interleave with another file's runs. Takes the flock of
 * the lock file, which the kernel releases when its holder dies (SIGKILL too), then the lock directory for
 * older checkouts (see acquireDirLock; one left by a dead process is taken over). Without flock(1), the
 * directory alone, judged from /proc. Waits up to @timeoutMs; throws Error naming the holder's pid then.
 */
export async function acquireKernelTestLock(timeoutMs = 600_000): Promise<void> {
  if (heldByWrapper()) return
  mkdirSync(dirname(lockDir()), { recursive: true })
  const deadline = Date.now() + timeoutMs
  const fd = await waitFlock(lockFile(), deadline)
  if (fd === null) throw new Error(`live-kernel tests of pid ${lockOwner(lockDir()).pid} hold ${lockFile()}`)
  if (fd === undefined) noteNoFlock('live-kernel test lock')
  try {
    await acquireDirLock(lockDir(), { timeoutMs: Math.max(0, deadline - Date.now()), flocked: fd !== undefined })
  } catch (e) {
    if (fd !== undefined) releaseFlock(fd)
    const m = /^pid (\d+) holds /.exec((e as Error).message)
    throw m === null ? e : new Error(`live-kernel tests of pid ${m[1]} hold ${lockDir()}`)
  }
  lockFd = fd ?? null
}

/**
 * heldByWrapper - true when tools/withKernelLock.ts holds the lock for the command tree this process
 * belongs to (it sets MMSIM_KERNEL_LOCK_HELD and the lock is still held by a live owner): waiting would
 * deadlock. A marked lock directory is live while the flock is held, any other is judged from /proc.
 */
function heldByWrapper(): boolean {
  if (process.env['MMSIM_KERNEL_LOCK_HELD'] !== '1') return false
  const { pid, start, flock } = lockOwner(lockDir())
  const held = flock ? flockHeld(lockFile(), pid) : undefined
  return held ?? processAlive(pid, start)
}

/** releaseKernelTestLock - release the lock if this process holds it. */
export function releaseKernelTestLock(): void {
  try {
    if (Number(readFileSync(join(lockDir(), 'pid'), 'utf8')) === process.pid) rmSync(lockDir(), { recursive: true, force: true })
  } catch {
    /* not held */
  }
  if (lockFd !== null) releaseFlock(lockFd)
  lockFd = null
}
