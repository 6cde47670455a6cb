import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { journalPath } from './knobJournal.ts'
import { processAlive, processStart } from './processAlive.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function lockDir(): string {
  return join(dirname(journalPath()), 'kernel-tests.lock')
}

/** true when lock directory @dir has existed for @ms without naming its owner (or is gone) */
function unnamedFor(dir: string, ms: number): boolean {
  try {
    return Date.now() - statSync(dir).mtimeMs > ms
  } catch {
    return true
  }
}

/** the owner named by lock directory @dir: its pid, and its start time when the lock records one */
function lockOwner(dir: string): { pid: number; start: number | undefined } {
  let pid = NaN
  let start: number | undefined
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
    start = Number(readFileSync(join(dir, 'start'), 'utf8'))
  } catch {
    /* being created, or written before start times were recorded */
  }
  return { pid, start: start !== undefined && Number.isFinite(start) ? start : undefined }
}

/**
 * acquireDirLock - take lock directory @dir (created holding our pid in @dir/pid, our start time in
 * @dir/start); a lock left by a dead process (gone, a zombie, or its pid recycled: see processAlive) is
 * taken over. Polls every @pollMs; @onWait is told the owner's pid once, when it starts waiting;
 * throws after @timeoutMs (default: waits for ever).
 */
export async function acquireDirLock(dir: string, opts: { timeoutMs?: number; pollMs?: number; onWait?: (owner: number) => void } = {}): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true })
  const deadline = Date.now() + (opts.timeoutMs ?? Infinity)
  let waiting = false
  for (;;) {
    try {
      mkdirSync(dir)
      const start = processStart()
      if (start !== undefined) writeFileSync(join(dir, 'start'), String(start))
      writeFileSync(join(dir, 'pid'), String(process.pid))
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const { pid: owner, start } = lockOwner(dir)
    // no pid yet: the owner is between mkdir and writing it (alive), unless it died there seconds ago
    const alive = Number.isInteger(owner) && owner > 0 ? processAlive(owner, start) : !unnamedFor(dir, 5000)
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
 * test that inspects knobs between runs must not interleave with another file's runs. A lock left
 * by a dead process is taken over. Waits up to @timeoutMs.
 */
export async function acquireKernelTestLock(timeoutMs = 600_000): Promise<void> {
  if (heldByWrapper()) return
  try {
    await acquireDirLock(lockDir(), { timeoutMs })
  } catch (e) {
    const m = /^pid (\d+) holds /.exec((e as Error).message)
    throw m === null ? e : new Error(`live-kernel tests of pid ${m[1]} hold ${lockDir()}`)
  }
}

/**
 * heldByWrapper - true when tools/withKernelLock.ts holds the lock for the command tree this process
 * belongs to (it sets MMSIM_KERNEL_LOCK_HELD and the lock still names a live owner): waiting would deadlock.
 */
function heldByWrapper(): boolean {
  if (process.env['MMSIM_KERNEL_LOCK_HELD'] !== '1') return false
  const { pid, start } = lockOwner(lockDir())
  return processAlive(pid, start)
}

/** releaseKernelTestLock - release the lock if this process holds it. */
export function releaseKernelTestLock(): void {
  try {
    if (Number(readFileSync(join(lockDir(), 'pid'), 'utf8')) === process.pid) rmSync(lockDir(), { recursive: true, force: true })
  } catch {
    /* not held */
  }
}
