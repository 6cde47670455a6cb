// flock(2) locks through flock(1) on files in a temporary directory (no root needed): held by another
// process, released by the kernel when that process is SIGKILLed, not inherited by its children.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { flockHeld, releaseFlock, tryFlock } from './fileLock.ts'
import { startHolder, type LockHolder } from './lockHolder.testkit.ts'

const hasFlock = spawnSync('flock', ['--version']).status === 0
const dir = mkdtempSync(join(tmpdir(), 'mmsim-flock-'))
const lock = join(dir, 'x.flock')
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

let holders: LockHolder[] = []
const extra: number[] = []
afterEach(() => {
  for (const h of holders) h.child.kill('SIGKILL')
  for (const pid of extra.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL')
  holders = []
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!hasFlock)('flock lock file', () => {
  it('two open file descriptions of one process exclude each other; closing the holder releases the lock', () => {
    const fd = tryFlock(lock)
    expect(typeof fd).toBe('number')
    expect(tryFlock(lock)).toBeNull()
    expect(flockHeld(lock)).toBe(true)
    releaseFlock(fd!)
    expect(flockHeld(lock)).toBe(false)
  })

  it('a missing lock file is not held', () => {
    expect(flockHeld(join(dir, 'none.flock'))).toBe(false)
  })

  it('a lock held by a live process blocks; after its SIGKILL the lock is free, even before it is reaped', async () => {
    const h = await startHolder('flock', lock)
    holders.push(h)
    expect(tryFlock(lock)).toBeNull()
    expect(flockHeld(lock, h.pid)).toBe(true)
    h.child.kill('SIGKILL')
    // not reaped yet (no event-loop turn since the kill): the kernel is tearing it down; flockHeld waits for that
    expect(flockHeld(lock, h.pid)).toBe(false)
    await h.exited
    const fd = tryFlock(lock)
    expect(typeof fd).toBe('number')
    releaseFlock(fd!)
  })

  it("the holder's children (spawned with pipes, like the kernel-runner) do not inherit the lock", async () => {
    const h = await startHolder('flock', lock, true)
    holders.push(h)
    extra.push(h.spawned)
    expect(h.spawned).toBeGreaterThan(0)
    h.child.kill('SIGKILL')
    await h.exited
    expect(alive(h.spawned)).toBe(true)
    expect(flockHeld(lock)).toBe(false)
  })

  it('without flock(1) on PATH it answers undefined (the callers fall back to /proc)', () => {
    const path = process.env['PATH']
    process.env['PATH'] = join(dir, 'empty')
    try {
      expect(tryFlock(lock)).toBeUndefined()
      expect(flockHeld(lock)).toBeUndefined()
    } finally {
      process.env['PATH'] = path
    }
  })
})
