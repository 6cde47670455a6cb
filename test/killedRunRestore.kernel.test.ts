// `mmsim kernel restore` after SIGKILL of a live run, while the killed run is still a zombie (its parent has
// not reaped it: kill(pid, 0) succeeds on it, which the restore used to take for a live owner) or still
// dying with the SIGKILL pending — six times in a row. The live run is a stand-in that takes the knob lock,
// journals one knob (khugepaged/pages_to_scan, harmless while khugepaged sleeps) and changes it, run by an
// exec'd `sleep` that never reaps it; the restore is the CLI's handler (spawned, as `mmsim kernel restore`).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireKernelTestLock, liveKernelTestsProblem, readJournal, releaseKernelTestLock } from '@mmsim/kernel'

const problem = liveKernelTestsProblem()
if (problem) console.log(`killedRunRestore.kernel.test: skipped: ${problem}`)
const ROOT = join(import.meta.dirname, '..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const KNOB = '/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan'
const dir = mkdtempSync(join(tmpdir(), 'mmsim-killed-'))
const src = (p: string): string => JSON.stringify(join(ROOT, p))
const holder = join(dir, 'holder.mts')
writeFileSync(holder, `import { acquireKnobLock, recordJournal } from ${src('packages/kernel/src/live/knobJournal.ts')}
import { readKnob, writeKnob } from ${src('packages/kernel/src/live/knobs.ts')}
await acquireKnobLock(60_000)
const old = readKnob(${JSON.stringify(KNOB)})
recordJournal([{ path: ${JSON.stringify(KNOB)}, value: old }])
writeKnob(${JSON.stringify(KNOB)}, String(Number(old) + 8))
process.stdout.write('ready\\n')
setInterval(() => {}, 1000)
`)
const restore = join(dir, 'restore.mts')
writeFileSync(restore, `import { kernelRestoreHandler } from ${src('packages/cli/src/commands/kernel.ts')}
try { kernelRestoreHandler() } catch (e) { process.stdout.write('error: ' + (e as Error).message + '\\n'); process.exitCode = 1 }
`)
const state = (pid: number): string => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return s.slice(s.lastIndexOf(')') + 2)[0]!
  } catch {
    return 'gone'
  }
}

describe.skipIf(problem !== null)(`restore after SIGKILL${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => {
    releaseKernelTestLock()
    rmSync(dir, { recursive: true, force: true })
  })

  it('restores the knob six times in a row, with the killed run unreaped', async () => {
    const before = readFileSync(KNOB, 'utf8')
    const states: string[] = []
    for (let round = 0; round < 6; round++) {
      const sh = spawn('sh', ['-c', `${TSX} ${holder} & exec sleep 120`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      try {
        await new Promise<void>((resolve) => sh.stdout!.on('data', (d: Buffer) => String(d).includes('ready') && resolve()))
        expect(readFileSync(KNOB, 'utf8')).toBe(`${Number(before) + 8}\n`)
        const owner = readJournal()!.pid
        process.kill(owner, 'SIGKILL')
        states.push(state(owner))
        const r = spawnSync(TSX, [restore], { cwd: ROOT, encoding: 'utf8' })
        expect(r.stdout).toBe(`restored 1 knobs left by run ${owner}\n`)
        expect(r.status).toBe(0)
        expect(readFileSync(KNOB, 'utf8')).toBe(before)
        expect(readJournal()).toBeNull()
        // nothing reaped it: still a zombie (or gone, had tsx's wrapper been its parent and reaped it)
        expect(['Z', 'gone']).toContain(state(owner))
      } finally {
        sh.kill('SIGKILL')
      }
    }
    console.log(`killedRunRestore: owner states right after SIGKILL: ${states.join(' ')}`)
  }, 300_000)
})
