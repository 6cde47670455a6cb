/**
 * progressReporter - a progress callback that redraws one stderr line at most 5 times a second when
 * stderr is a terminal, and does nothing otherwise (so pipes and CI logs stay quiet).
 */
export function progressReporter(label: string): { update(done: number, total: number, events: number): void; done(): void } {
  const tty = process.stderr.isTTY === true
  let last = 0
  let drawn = false
  return {
    update(done, total, events) {
      if (!tty) return
      const now = Date.now()
      if (now - last < 200) return
      last = now
      drawn = true
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '?'
      process.stderr.write(`\r${label}: ${pct}% (${events.toLocaleString('en-US')} events)\x1b[K`)
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K')
    },
  }
}
