import type { CliWriter } from './cliIo.ts'

/** ProgressReporter - what a long command reports its progress to (see progressReporter()). */
export interface ProgressReporter {
  update(done: number, total: number, events: number): void
  done(): void
}

/** PROGRESS_INTERVAL_MS - the shortest time between two progress lines (at most 5 a second). */
export const PROGRESS_INTERVAL_MS = 200

/**
 * progressReporter - a progress callback that redraws one line on @stderr at most 5 times a second when
 * @stderr is a terminal or @forced (`--progress`), and does nothing otherwise (so pipes and CI logs stay
 * quiet). @now is the clock (tests pass their own).
 */
export function progressReporter(label: string, stderr: CliWriter, forced = false, now: () => number = Date.now): ProgressReporter {
  const on = forced || stderr.isTTY === true
  let last = -Infinity
  let drawn = false
  return {
    update(done, total, events) {
      if (!on) return
      const t = now()
      if (t - last < PROGRESS_INTERVAL_MS) return
      last = t
      drawn = true
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '?'
      stderr.write(`\r${label}: ${pct}% (${events.toLocaleString('en-US')} events)\x1b[K`)
    },
    done() {
      if (drawn) stderr.write('\r\x1b[K')
    },
  }
}
