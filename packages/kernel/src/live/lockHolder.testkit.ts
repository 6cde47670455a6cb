// For the lock tests: another process that holds a lock (the flock of a file, the knob lock with a journal,
// or the live-kernel test lock) until it is killed. It runs the module under test itself (node --import tsx -e,
// no wrapper process in between: its pid is the holder's), with this process's environment
// (MMSIM_KNOB_JOURNAL of the test).
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { KnobWrite } from './knobs.ts'

const ROOT = join(import.meta.dirname, '../../../..')
const src = (f: string): string => JSON.stringify(join(import.meta.dirname, f))

const SCRIPT = `import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tryFlock } from ${src('fileLock.ts')}
import { acquireKnobLock, recordJournal } from ${src('knobJournal.ts')}
import { acquireKernelTestLock } from ${src('kernelTestLock.ts')}
const [mode, arg = ''] = process.argv.slice(1)
if (mode === 'flock' && typeof tryFlock(arg) !== 'number') throw new Error('flock of ' + arg + ' is held')
if (mode === 'knob') {
  await acquireKnobLock(5000)
  const entries = JSON.parse(arg)
  recordJournal(entries)
  for (const e of entries) writeFileSync(e.path, 'changed by ' + process.pid)
}
if (mode === 'test') await acquireKernelTestLock(5000)
let child = 0
if (process.env['HOLDER_SPAWNS'] === '1') {
  // like the kernel-runner: piped stdio, living on after this process dies
  const c = spawn('sleep', ['60'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  c.unref()
  child = c.pid
}
process.stdout.write('ready ' + child + '\\n')
setInterval(() => {}, 1000)
`

/** LockHolder - a process holding a lock; @spawned is the pid of a child it started (0 when none). */
export interface LockHolder {
  child: ChildProcess
  pid: number
  spawned: number
  /** resolves once the kernel has reaped it (every thread gone, so every file it had open is closed) */
  exited: Promise<void>
}

/**
 * startHolder - start a process that takes the lock of @mode and resolve once it holds it: 'flock', the
 * flock of file @arg (tryFlock); 'knob', the knob lock (acquireKnobLock), then journals @arg (knob writes
 * holding the old values) and writes 'changed by PID' to each of those files; 'test', the live-kernel test
 * lock. With @spawns it first starts a `sleep 60` that outlives it. Rejects when the holder exits first.
 */
export async function startHolder(mode: 'flock', arg: string, spawns?: boolean): Promise<LockHolder>
export async function startHolder(mode: 'knob', arg: KnobWrite[]): Promise<LockHolder>
export async function startHolder(mode: 'test'): Promise<LockHolder>
export async function startHolder(mode: 'flock' | 'knob' | 'test', arg?: string | KnobWrite[], spawns = false): Promise<LockHolder> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, mode, typeof arg === 'string' ? arg : JSON.stringify(arg ?? [])], {
    cwd: ROOT,
    env: { ...process.env, HOLDER_SPAWNS: spawns ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += String(d)))
  const spawned = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const m = /^ready (\d+)\n/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    void exited.then(() => reject(new Error(`the lock holder exited before it held the lock: ${stderr}`)))
  })
  return { child, pid: child.pid!, spawned, exited }
}
