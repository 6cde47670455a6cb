import { readFileSync } from 'node:fs'

/**
 * procStat - state letter and start time (clock ticks after boot) of @pid from /proc/PID/stat, or null
 * when there is no such process. The command name (field 2) may hold spaces and parentheses: the fields
 * after it are read from the last ')'.
 */
export function procStat(pid: number): { state: string; start: number } | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null
  let s: string
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return null
  }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  // after the name: state (field 3) ... starttime (field 22)
  return { state: f[0] ?? '?', start: Number(f[19]) }
}

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** a SIGKILL (signal 9) pending for the whole process or the thread: it is on its way out */
function killPending(pid: number): boolean {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'latin1')
    for (const key of ['ShdPnd', 'SigPnd']) {
      const m = new RegExp(`^${key}:\\s*([0-9a-f]+)`, 'm').exec(st)
      if (m !== null && (BigInt(`0x${m[1]}`) & 0x100n) !== 0n) return true
    }
  } catch {
    /* gone */
  }
  return false
}

/**
 * processAlive - whether @pid names a live process: one that exists and is neither a zombie ('Z', dead
 * and waiting for its parent to reap it) nor dead ('X'); with @start (its start time, from {@link procStat}
 * when the lock was taken), also the same process and not a later one given the same pid. A process with
 * a SIGKILL pending is dying: it is waited for, up to @dyingMs (default 10 s: it may be finishing a sysfs write), to reach 'Z' or vanish.
 * `kill(pid, 0)`, which succeeds for a zombie, cannot tell a killed lock holder from a live one.
 * Without /proc (not Linux), falls back to `kill(pid, 0)`.
 * @returns false for a dead, dying-then-dead or recycled pid.
 */
export function processAlive(pid: number, start?: number, dyingMs = 10_000): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  const deadline = Date.now() + dyingMs
  for (;;) {
    const st = procStat(pid)
    if (st === null) {
      try {
        readFileSync('/proc/self/stat')
      } catch {
        try {
          process.kill(pid, 0)
          return true
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === 'EPERM'
        }
      }
      return false
    }
    if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false
    if (start !== undefined && Number.isFinite(start) && st.start !== start) return false
    if (pid === process.pid || !killPending(pid) || Date.now() > deadline) return true
    pause(20)
  }
}

/**
 * processDying - whether @pid is being torn down by the kernel: a SIGKILL is pending, or its main thread
 * is already a zombie ('Z') or dead ('X') while the process still exists. Its files (and the flock locks
 * they hold) are released when its last thread exits, within milliseconds.
 * @returns false for a live process not being killed, and for a pid with no process.
 */
export function processDying(pid: number): boolean {
  const st = procStat(pid)
  if (st === null) return false
  return st.state === 'Z' || st.state === 'X' || st.state === 'x' || killPending(pid)
}

/** processStart - this process's start time (see {@link procStat}), or undefined without /proc. */
export function processStart(pid = process.pid): number | undefined {
  const s = procStat(pid)?.start
  return s !== undefined && Number.isFinite(s) ? s : undefined
}
