import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireDirLock } from './kernelTestLock.ts'
import { acquireKnobLock, journalPath, releaseKnobLock } from './knobJournal.ts'
import { processAlive, processStart, procStat } from './processAlive.ts'

const linux = existsSync('/proc/self/stat')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-alive-'))

// a zombie that stays one: a grandchild killed while its parent (an exec'd sleep) never reaps it
let parent: ChildProcess
let zombie = 0
beforeAll(async () => {
  if (!linux) return
  parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] })
  zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))))
  // kill it only once the shell has become `sleep 60`: a shell still running would reap it (seen under load)
  const comm = (): string => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim()
  for (let i = 0; i < 500 && comm() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 10))
  process.kill(zombie, 'SIGKILL')
  for (let i = 0; i < 500 && procStat(zombie)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10))
})
afterAll(() => {
  parent?.kill('SIGKILL')
})

describe.skipIf(!linux)('processAlive', () => {
  it('a SIGKILLed process its parent has not reaped is dead, though kill(pid, 0) still succeeds', () => {
    expect(procStat(zombie)?.state).toBe('Z')
    expect(() => process.kill(zombie, 0)).not.toThrow()
    expect(processAlive(zombie)).toBe(false)
  })

  it('a live process is alive; with another start time its pid names a later process', () => {
    const start = processStart()!
    expect(processAlive(process.pid)).toBe(true)
    expect(processAlive(process.pid, start)).toBe(true)
    expect(processAlive(process.pid, start + 1)).toBe(false)
    expect(processAlive(parent.pid!, processStart(parent.pid!))).toBe(true)
  })

  it('a process that has exited and been reaped is dead', () => {
    const r = spawnSync('true')
    expect(processAlive(r.pid)).toBe(false)
  })

  it('acquireDirLock takes over a lock whose owner is a zombie (it used to wait for the timeout)', async () => {
    const lock = join(dir, 'test.lock')
    mkdirSync(lock)
    writeFileSync(join(lock, 'pid'), String(zombie))
    await acquireDirLock(lock, { timeoutMs: 300 })
    expect(readFileSync(join(lock, 'pid'), 'utf8')).toBe(String(process.pid))
    expect(Number(readFileSync(join(lock, 'start'), 'utf8'))).toBe(processStart())
  })

  it('acquireKnobLock restores and takes over a journal whose owner is a zombie', async () => {
    const old = process.env['MMSIM_KNOB_JOURNAL']
    process.env['MMSIM_KNOB_JOURNAL'] = join(dir, 'knob-journal.json')
    try {
      writeFileSync(journalPath(), JSON.stringify({ pid: zombie, entries: [] }))
      await acquireKnobLock(300)
      const j = JSON.parse(readFileSync(journalPath(), 'utf8')) as { pid: number; start: number }
      expect(j.pid).toBe(process.pid)
      expect(j.start).toBe(processStart())
      expect(releaseKnobLock()).toEqual([])
      expect(existsSync(journalPath())).toBe(false)
    } finally {
      if (old === undefined) delete process.env['MMSIM_KNOB_JOURNAL']
      else process.env['MMSIM_KNOB_JOURNAL'] = old
    }
  })
})
