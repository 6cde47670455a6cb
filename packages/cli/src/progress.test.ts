// Progress lines (issue 15): drawn only on a terminal or when forced, at most one per 200 ms, erased at the end.
// Expected strings worked out by hand from the format `\rLABEL: …\x1b[K`.
import { describe, expect, test } from 'vitest'
import { progressReporter, stepReporter } from './progress.ts'

const sink = (isTTY: boolean): { isTTY: boolean; out: string[]; write(s: string | Uint8Array): boolean } => ({
  isTTY,
  out: [],
  write(s) {
    this.out.push(String(s))
    return true
  },
})

describe('stepReporter', () => {
  test('not a terminal and not forced: nothing at all', () => {
    const w = sink(false)
    const p = stepReporter('sweep', w)
    p.step(1, 3, 'policy a')
    p.done()
    expect(w.out).toEqual([])
  })
  test('forced: the first step at once, the next ones at most every 200 ms, the line erased at the end', () => {
    const w = sink(false)
    let t = 1000
    const p = stepReporter('sweep', w, true, false, () => t)
    p.step(1, 3, 'policy a') // t = 1000: drawn (0.0 s)
    t = 1150
    p.step(2, 3, 'policy b') // 150 ms later: skipped
    t = 1200
    p.step(3, 3, 'policy c') // 200 ms after the first: drawn (0.2 s)
    p.done()
    expect(w.out).toEqual(['\rsweep: 1/3 policy a, 0.0 s\x1b[K', '\rsweep: 3/3 policy c, 0.2 s\x1b[K', '\r\x1b[K'])
  })
  test('a terminal: drawn without forcing; clear() erases it for a message, done() after clear() writes nothing more', () => {
    const w = sink(true)
    const p = stepReporter('observe --kernel', w, false, false, () => 0)
    p.step(2, 5, 'statement (line 4: write)')
    p.clear()
    p.done()
    expect(w.out).toEqual(['\robserve --kernel: 2/5 statement (line 4: write), 0.0 s\x1b[K', '\r\x1b[K'])
  })
})

describe('progressReporter', () => {
  test('forced on a pipe: percentage and events, throttled; nothing on a pipe unforced', () => {
    const w = sink(false)
    let t = 0
    const p = progressReporter('replay', w, true, () => t)
    p.update(1, 4, 1000) // drawn: 25.0%
    t = 100
    p.update(2, 4, 2000) // skipped
    p.done()
    expect(w.out).toEqual(['\rreplay: 25.0% (1,000 events)\x1b[K', '\r\x1b[K'])
    const quiet = sink(false)
    progressReporter('replay', quiet).update(1, 4, 1000)
    expect(quiet.out).toEqual([])
  })
})
