import { spawnSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { processDying } from './processAlive.ts'

// flock(1)'s exit status when the lock is held elsewhere (-E; its default, 1, is also its error status)
const BUSY = 75

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * flockOn - have util-linux flock(1) take an exclusive flock(2) (LOCK_EX | LOCK_NB) on @fd. The child gets
 * @fd as its fd 3, a copy sharing our open file description; flock locks belong to that description, so
 * the lock stays held by our fd after the child exits. @returns true when locked, false when another open
 * file description holds it, undefined when there is no flock(1). Throws Error when flock(1) fails otherwise.
 */
function flockOn(fd: number): boolean | undefined {
  const r = spawnSync('flock', ['-x', '-n', '-E', String(BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] })
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined
  if (r.status === 0) return true
  if (r.status === BUSY) return false
  throw new Error(`flock(1) failed: ${r.error?.message ?? (String(r.stderr).trim() || `status ${r.status}, signal ${r.signal}`)}`)
}

/**
 * tryFlock - take the exclusive flock of lock file @path (created if missing) without waiting.
 * The lock is held by the returned fd, which Node opens close-on-exec (no child process inherits it), and
 * the kernel releases it when that fd is closed ({@link releaseFlock}) or the process dies, by SIGKILL too.
 * Lock files are never deleted: a process still holding the unlinked file would exclude nobody.
 * @returns the fd holding the lock; null when another open file description holds it (another process, or
 * another fd of this one); undefined when flock(1) (util-linux) is not installed.
 */
export function tryFlock(path: string): number | null | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_CREAT, 0o644)
  let got: boolean | undefined
  try {
    got = flockOn(fd)
  } finally {
    if (got !== true) closeSync(fd)
  }
  return got === undefined ? undefined : got ? fd : null
}

/**
 * waitFlock - {@link tryFlock} @path every @pollMs until it is had or @deadline (a Date.now() value) passes.
 * @returns the fd holding the lock; null at the deadline; undefined when flock(1) is not installed.
 */
export async function waitFlock(path: string, deadline: number, pollMs = 100): Promise<number | null | undefined> {
  for (;;) {
    const fd = tryFlock(path)
    if (fd !== null || Date.now() > deadline) return fd
    await sleep(pollMs)
  }
}

/** releaseFlock - drop the lock held by @fd (from {@link tryFlock}) by closing it. */
export function releaseFlock(fd: number): void {
  closeSync(fd)
}

/**
 * flockHeld - whether some process holds the flock of lock file @path, found by trying to take it on a
 * fresh fd (released at once). A missing file is not held. A holder the kernel is still tearing down (a
 * SIGKILL pending, or its main thread a zombie while the other threads exit: the lock goes with the last
 * one, within milliseconds) is waited for, up to @dyingMs; @holder names the pid to watch.
 * @returns true while a live process holds it; undefined when flock(1) is not installed.
 */
export function flockHeld(path: string, holder?: number, dyingMs = 10_000): boolean | undefined {
  const deadline = Date.now() + dyingMs
  for (;;) {
    let fd: number
    try {
      fd = openSync(path, constants.O_RDONLY)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw e
    }
    let got: boolean | undefined
    try {
      got = flockOn(fd)
    } finally {
      closeSync(fd)
    }
    if (got !== false) return got === undefined ? undefined : false
    if (holder === undefined || !processDying(holder) || Date.now() > deadline) return true
    pause(10)
  }
}

let noted = false

/**
 * noteNoFlock - say once per process, on stderr, that flock(1) is missing and the lock named @what is
 * judged by its owner's pid in /proc instead.
 */
export function noteNoFlock(what: string): void {
  if (noted) return
  noted = true
  process.stderr.write(`mmsim: note: flock(1) (util-linux) not found: the ${what} judges its owner's liveness from /proc\n`)
}
