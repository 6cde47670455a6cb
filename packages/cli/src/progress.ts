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

/** StepReporter - progress through a known number of steps (sweep policies, live-kernel statements). */
export interface StepReporter {
  /** step - step @done of @total (1-based) has started; @what names it */
  step(done: number, total: number, what: string): void
  /** clear - erase the line (before another stderr message); the next step or tick draws it again */
  clear(): void
  done(): void
}

/**
 * stepReporter - one redrawn @stderr line `LABEL: DONE/TOTAL WHAT, N s` when @stderr is a terminal or
 * @forced (`--progress`), nothing otherwise; at most one line per PROGRESS_INTERVAL_MS, the first step at
 * once. @ticking: while a step runs (a live-kernel statement such as an 8G write awaits its runner), the
 * line is redrawn every second so the elapsed time moves. @now is the clock (tests pass their own).
 */
export function stepReporter(label: string, stderr: CliWriter, forced = false, ticking = false, now: () => number = Date.now): StepReporter {
  const on = forced || stderr.isTTY === true
  const t0 = now()
  let last = -Infinity
  let line = ''
  let drawn = false
  const draw = (): void => {
    last = now()
    drawn = true
    stderr.write(`\r${line}, ${((last - t0) / 1000).toFixed(1)} s\x1b[K`)
  }
  const timer = on && ticking ? setInterval(() => line !== '' && draw(), 1000) : null
  timer?.unref()
  return {
    step(done, total, what) {
      if (!on) return
      line = `${label}: ${done}/${total} ${what}`
      if (now() - last >= PROGRESS_INTERVAL_MS) draw()
    },
    clear() {
      if (drawn) stderr.write('\r\x1b[K')
      drawn = false
    },
    done() {
      if (timer !== null) clearInterval(timer)
      this.clear()
    },
  }
}
