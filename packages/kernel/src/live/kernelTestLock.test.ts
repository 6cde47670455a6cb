// The live-kernel test lock on a temporary directory (MMSIM_KNOB_JOURNAL; no root, no live kernel): the
// flock decides, and the lock directory is kept for older checkouts that know only that.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flockHeld } from './fileLock.ts'
import { acquireKernelTestLock, releaseKernelTestLock } from './kernelTestLock.ts'
import { startHolder, type LockHolder } from './lockHolder.testkit.ts'
import { processStart } from './processAlive.ts'

const hasFlock = spawnSync('flock', ['--version']).status === 0
let dir = ''
const lockDir = (): string => join(dir, 'kernel-tests.lock')
const lockFile = (): string => join(dir, 'kernel-tests.flock')
const saved = { journal: process.env['MMSIM_KNOB_JOURNAL'], held: process.env['MMSIM_KERNEL_LOCK_HELD'] }
let holder: LockHolder | null = null
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmsim-testlock-'))
  process.env['MMSIM_KNOB_JOURNAL'] = join(dir, 'knob-journal.json')
  delete process.env['MMSIM_KERNEL_LOCK_HELD']
})
afterEach(() => {
  holder?.child.kill('SIGKILL')
  holder = null
  releaseKernelTestLock()
  rmSync(dir, { recursive: true, force: true })
  for (const [k, v] of [
    ['MMSIM_KNOB_JOURNAL', saved.journal],
    ['MMSIM_KERNEL_LOCK_HELD', saved.held],
  ] as const) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

/** an older mmsim's lock directory (no flock mark) naming @pid */
function oldStyleLock(pid: number, marked = false): void {
  mkdirSync(lockDir())
  writeFileSync(join(lockDir(), 'pid'), String(pid))
  const start = processStart(pid)
  if (start !== undefined) writeFileSync(join(lockDir(), 'start'), String(start))
  if (marked) writeFileSync(join(lockDir(), 'flock'), '')
}

describe.skipIf(!hasFlock)('live-kernel test lock (flock)', () => {
  it('holds the flock and a marked lock directory naming this process; release drops both', async () => {
    await acquireKernelTestLock(1000)
    expect(flockHeld(lockFile())).toBe(true)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.pid))
    expect(existsSync(join(lockDir(), 'flock'))).toBe(true)
    releaseKernelTestLock()
    expect(flockHeld(lockFile())).toBe(false)
    expect(existsSync(lockDir())).toBe(false)
  })

  it('blocks while another process holds it; after that holder is SIGKILLed the next acquirer takes it at once', async () => {
    holder = await startHolder('test')
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(holder.pid))
    await expect(acquireKernelTestLock(300)).rejects.toThrow(`live-kernel tests of pid ${holder.pid} hold ${lockFile()}`)
    holder.child.kill('SIGKILL')
    await holder.exited
    // its directory is left behind, marked: stale now that the flock is free
    expect(existsSync(join(lockDir(), 'flock'))).toBe(true)
    await acquireKernelTestLock(300)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.pid))
  })

  it('under MMSIM_KERNEL_LOCK_HELD it returns at once while the wrapper holds the flock, and waits no more once the wrapper died', async () => {
    holder = await startHolder('test')
    process.env['MMSIM_KERNEL_LOCK_HELD'] = '1'
    await acquireKernelTestLock(0)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(holder.pid))
    holder.child.kill('SIGKILL')
    await holder.exited
    await acquireKernelTestLock(300)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.pid))
  })

  it('takes over a marked directory whose pid names a live process (recycled): the flock is free', async () => {
    oldStyleLock(process.ppid, true)
    await acquireKernelTestLock(300)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.pid))
  })

  it('waits for the unmarked directory of an older mmsim while its owner lives, and lets go of the flock when it gives up', async () => {
    oldStyleLock(process.ppid)
    await expect(acquireKernelTestLock(300)).rejects.toThrow(`live-kernel tests of pid ${process.ppid} hold ${lockDir()}`)
    expect(flockHeld(lockFile())).toBe(false)
    expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.ppid))
  })
})

describe('live-kernel test lock without flock(1)', () => {
  it('is the lock directory alone, judged from /proc', async () => {
    const path = process.env['PATH']
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    process.env['PATH'] = join(dir, 'empty')
    try {
      await acquireKernelTestLock(1000)
      expect(readFileSync(join(lockDir(), 'pid'), 'utf8')).toBe(String(process.pid))
      expect(existsSync(join(lockDir(), 'flock'))).toBe(false)
      releaseKernelTestLock()
      expect(existsSync(lockDir())).toBe(false)
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^mmsim: note: flock\(1\) .* live-kernel test lock .*\n$/)])
    } finally {
      process.env['PATH'] = path
      err.mockRestore()
    }
  })
})
