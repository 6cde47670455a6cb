import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BisectAbortError, BisectBogusStatusError, bisectRun, formatEvent, type RunStep } from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { analysisInput } from '../analysisInput.ts'
import { UserError } from '../userError.ts'

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
export async function bisectRunCommand(input: string, cmd: string, o: { json: boolean } = { json: false }): Promise<void> {
  const t = await analysisInput(input)
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-bisect-'))
  try {
    const r = await bisectRun(t.path, {
      prefixFile: join(dir, 'prefix.mmtrace'),
      test: (file, events) => {
        const p = spawnSync('sh', ['-c', `${cmd} "$MMSIM_PREFIX"`], {
          stdio: ['ignore', 2, 2], env: { ...process.env, MMSIM_PREFIX: file, MMSIM_PREFIX_EVENTS: String(events) },
        })
        return p.status
      },
      onStep: (s) => (o.json ? process.stderr : process.stdout).write(stepLines(s)),
    })
    if (o.json) {
      const { total, firstBad, event, onlySkippedLeft, steps } = r
      process.stdout.write(jsonDocument('bisect', {
        mode: 'run', input, command: cmd, total, firstBad, firstBadEvent: firstBad === null ? null : firstBad - 1, event, onlySkippedLeft, steps,
      }))
      process.exitCode = firstBad === null ? 0 : 1
      return
    }
    if (r.firstBad === null) {
      process.stdout.write(`the whole trace (${r.total} events) tests good: nothing to bisect\n`)
      process.exitCode = 0
      return
    }
    if (r.onlySkippedLeft.length > 0) {
      process.stdout.write(`There are only 'skip'ped prefixes left to test.\nThe first bad event could be any of events ${r.onlySkippedLeft.map((k) => k - 1).join(', ')}, ${r.firstBad - 1}\n`)
    } else {
      process.stdout.write(`event ${r.firstBad - 1} is the first bad event\n  ${r.event === null ? '' : formatEvent(r.event)}\n  (the prefix of ${r.firstBad - 1} events tests good, of ${r.firstBad} bad)\n`)
    }
    process.exitCode = 1
  } catch (e) {
    if (e instanceof BisectAbortError || e instanceof BisectBogusStatusError) throw new UserError(e.message)
    throw e
  } finally {
    rmSync(dir, { recursive: true, force: true })
    t.cleanup()
  }
}
