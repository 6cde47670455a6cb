import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BisectAbortError, BisectBogusStatusError, bisectRun, formatEvent, type RunStep } from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { analysisInput } from '../analysisInput.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

function stepLines(s: RunStep): string {
  const last = s.event === null ? 'the empty prefix' : `event ${s.events - 1}: ${formatEvent(s.event)}`
  return `Bisecting: ${s.left} events left to test after this (roughly ${s.steps} steps)\n[${s.digest.slice(0, 12)}] prefix of ${s.events} events, last ${last}\n  ${s.verdict}\n`
}

/**
 * bisectRunCommand - `mmsim bisect TRACE --run CMD`: CMD runs under `sh -c` with the prefix trace appended
 * as its last argument (also in $MMSIM_PREFIX, its length in $MMSIM_PREFIX_EVENTS); its stdout and stderr
 * go to stderr. Exit 1 when a first bad event is found, 0 when the whole trace tests good; a status ≥ 128
 * aborts with exit 2. With @o.json the verdict is the `mmsim-bisect/1` document on stdout (mode `run`) and
 * the step lines go to stderr.
 */
export async function bisectRunCommand(input: string, cmd: string, io: CliIo, o: { json: boolean } = { json: false }): Promise<void> {
  const t = await analysisInput(input, io)
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-bisect-'))
  try {
    const r = await bisectRun(t.path, {
      prefixFile: join(dir, 'prefix.mmtrace'),
      test: (file, events) => {
        // the test's output goes to our stderr: the descriptor itself for the process, copied for an in-process run
        const direct = io.stderr === process.stderr
        const p = spawnSync('sh', ['-c', `${cmd} "$MMSIM_PREFIX"`], {
          stdio: direct ? ['ignore', 2, 2] : ['ignore', 'pipe', 'pipe'], cwd: io.cwd, env: { ...io.env, MMSIM_PREFIX: file, MMSIM_PREFIX_EVENTS: String(events) },
        })
        if (!direct) io.stderr.write(`${p.stdout?.toString() ?? ''}${p.stderr?.toString() ?? ''}`)
        return p.status
      },
      onStep: (s) => (o.json ? io.stderr : io.stdout).write(stepLines(s)),
    })
    if (o.json) {
      const { total, firstBad, event, onlySkippedLeft, steps } = r
      io.stdout.write(jsonDocument('bisect', {
        mode: 'run', input, command: cmd, total, firstBad, firstBadEvent: firstBad === null ? null : firstBad - 1, event, onlySkippedLeft, steps,
      }))
      io.exitCode = firstBad === null ? 0 : 1
      return
    }
    if (r.firstBad === null) {
      io.stdout.write(`the whole trace (${r.total} events) tests good: nothing to bisect\n`)
      io.exitCode = 0
      return
    }
    if (r.onlySkippedLeft.length > 0) {
      io.stdout.write(`There are only 'skip'ped prefixes left to test.\nThe first bad event could be any of events ${r.onlySkippedLeft.map((k) => k - 1).join(', ')}, ${r.firstBad - 1}\n`)
    } else {
      io.stdout.write(`event ${r.firstBad - 1} is the first bad event\n  ${r.event === null ? '' : formatEvent(r.event)}\n  (the prefix of ${r.firstBad - 1} events tests good, of ${r.firstBad} bad)\n`)
    }
    io.exitCode = 1
  } catch (e) {
    if (e instanceof BisectAbortError || e instanceof BisectBogusStatusError) throw new UserError(e.message)
    throw e
  } finally {
    rmSync(dir, { recursive: true, force: true })
    t.cleanup()
  }
}
