import { truthDigest, TruthState, type MmEvent, type TruthCheckpoint } from '@mmsim/core'
import { currentStructures, optionalStructures, traceItems, TraceWriter, type EventDecoder } from '@mmsim/trace'
import { damagedTrace } from './damagedTrace.ts'
import { replayTrace } from './replayTrace.ts'

/** RunVerdict - what the test said of a prefix (git bisect run's exit-code contract). */
export type RunVerdict = 'good' | 'bad' | 'skip'

/** verdictOf - git bisect run's contract: 0 good, 125 skip, 1–127 bad; null for ≥ 128 or a signal (abort). */
export function verdictOf(status: number | null): RunVerdict | null {
  if (status === 0) return 'good'
  if (status === 125) return 'skip'
  if (status !== null && status >= 1 && status <= 127) return 'bad'
  return null
}

/**
 * RunStep - one tested prefix: the first @events events of the trace (so the last one is event
 * @events - 1, @event), the ground-truth digest after them, how many prefixes are left to test after this
 * one and roughly how many steps (git's "Bisecting: N revisions left to test after this (roughly M steps)").
 */
export interface RunStep {
  events: number
  event: MmEvent | null
  digest: string
  left: number
  steps: number
  verdict: RunVerdict
}

/**
 * BisectRunResult - @firstBad: the length of the shortest bad prefix, so event @firstBad - 1 (@event) is the
 * first bad event; null when the whole trace is good. @skipped: with only skipped prefixes left, the range
 * of candidates (firstBad is then the first known bad prefix). @total: events in the trace.
 */
export interface BisectRunResult {
  total: number
  firstBad: number | null
  event: MmEvent | null
  steps: RunStep[]
  onlySkippedLeft: number[]
}

/**
 * BisectRunOptions - @test runs the user's command on the prefix trace @file (the first @events events) and
 * returns its exit status (null: killed by a signal); @onStep is told of each verdict; @checkpoints: about
 * how many ground-truth checkpoints to keep (64).
 */
export interface BisectRunOptions {
  test: (file: string, events: number) => number | null | Promise<number | null>
  prefixFile: string
  onStep?: (s: RunStep) => void
  checkpoints?: number
}

/** BisectAbortError - the test exited with status ≥ 128 (or a signal): bisecting stops, as git's does. */
export class BisectAbortError extends Error {
  constructor(readonly status: number | null, readonly events: number) {
    super(`bisect run failed: the command ${status === null ? 'was killed by a signal' : `exited with ${status}`} on the prefix of ${events} events`)
    this.name = 'BisectAbortError'
  }
}

/**
 * BisectBogusStatusError - the command exited 126 or 127 on the whole trace and with the same status on the
 * empty prefix (git: "bogus exit code N for good revision"): most likely it cannot be run at all.
 */
export class BisectBogusStatusError extends Error {
  constructor(readonly status: number) {
    super(`bisect run failed: the command exited ${status} on the whole trace and on the empty prefix too (bogus exit code for the good end: ${status === 127 ? 'command not found?' : 'not executable?'})`)
    this.name = 'BisectBogusStatusError'
  }
}

interface Checkpoint {
  events: number
  state: TruthCheckpoint
}

/**
 * writePrefix - write events [0, @k) of trace @file to @out (frames copied column by column when the file
 * has this version's event structures, else decoded and re-encoded), and return the ground truth after them,
 * replayed from checkpoint @from (the state after its first `from.events` events, `from.events` ≤ @k).
 */
async function writePrefix(file: string, out: string, k: number, from: Checkpoint): Promise<{ state: TruthState; last: MmEvent | null }> {
  let w: TraceWriter | null = null
  let dec: EventDecoder | null = null
  let raw = false
  let seen = 0
  let last: MmEvent | null = null
  const tx = new TruthState(from.state)
  const values: number[] = []
  for await (const item of traceItems(file, { reuseBuffers: true })) { // each frame is copied out before the next is read
    if (seen >= k) break
    if (item.kind === 'damage') throw damagedTrace(file, item.damage, 'bisect --run')
    if (item.kind === 'header') {
      dec = item.decoder
      // the prefix declares the optional types its source declared (it may hold their events)
      w = new TraceWriter(out, { ...item.header.source, detail: `${item.header.source.detail ?? ''} (prefix of ${k} events)`.trim() }, item.header.frameEvents, optionalStructures(item.header.structures.map((s) => s.type)))
      raw = JSON.stringify(item.header.structures) === JSON.stringify(currentStructures())
      continue
    }
    if (item.kind !== 'frame') continue
    const f = item.frame
    const n = Math.min(f.count, k - seen)
    const applyFrom = Math.max(0, from.events - seen)
    if (raw) {
      for (let i = 0; i < n; i++) {
        values.length = f.slots.length
        for (let s = 0; s < f.slots.length; s++) values[s] = f.slots[s]?.[i] ?? 0
        w!.writeRaw(f.types[i]!, f.causes[f.causeIdx === null ? 0 : f.causeIdx[i]!] ?? '', values)
      }
    }
    if (!raw || applyFrom < n) {
      dec!.forEach(f, (e, i) => {
        if (i >= n) return true
        if (!raw) w!.write(e)
        if (i >= applyFrom) tx.apply(e)
        if (seen + i === k - 1) last = { ...e } as MmEvent
        return false
      })
    }
    seen += n
  }
  w?.close()
  return { state: tx, last }
}

/**
 * bisectRun - binary search for the shortest prefix of trace @file at which @opts.test turns bad, like
 * `git bisect run`: the empty prefix is taken as good, the whole trace must test bad; each step writes the
 * prefix to @opts.prefixFile and replays the ground truth only from the nearest immutable checkpoint (taken
 * at frame boundaries in one first pass, sharing structure) to report the prefix's state digest. A skipped
 * prefix (exit 125) is replaced by the untested one nearest the middle; when only skipped prefixes are
 * left, they are reported. Throws {@link BisectAbortError} on status ≥ 128.
 */
export async function bisectRun(file: string, opts: BisectRunOptions): Promise<BisectRunResult> {
  let frames = 0
  for await (const item of traceItems(file)) {
    if (item.kind === 'header') frames = item.index?.offsets.length ?? 0
    break
  }
  const every = Math.max(1, Math.ceil(frames / (opts.checkpoints ?? 64)))
  const checkpoints: Checkpoint[] = []
  const r = await replayTrace(file, { checkpointEvery: every, onCheckpoint: (state, events) => checkpoints.push({ state, events }) })
  if (r.damage.length > 0) throw damagedTrace(file, r.damage[0]!, 'bisect --run')
  const total = r.events
  const steps: RunStep[] = []
  const verdicts = new Map<number, RunVerdict>()
  let lo = 0
  let hi = total
  let lastStatus: number | null = null
  const test = async (k: number, left: number): Promise<RunVerdict> => {
    const from = [...checkpoints].reverse().find((c) => c.events <= k) ?? { events: 0, state: checkpoints[0]!.state }
    const { state, last } = await writePrefix(file, opts.prefixFile, k, from)
    const status = await opts.test(opts.prefixFile, k)
    lastStatus = status
    const verdict = verdictOf(status)
    if (verdict === null) throw new BisectAbortError(status, k)
    const step: RunStep = { events: k, event: last, digest: truthDigest(state), left, steps: Math.ceil(Math.log2(Math.max(1, left))), verdict }
    steps.push(step)
    verdicts.set(k, verdict)
    opts.onStep?.(step)
    return verdict
  }
  const first = await test(total, total - 1)
  if (first === 'bad' && (lastStatus === 126 || lastStatus === 127)) {
    // git's rule: 126/127 on the first run may mean "cannot execute" / "not found": the good end must
    // then answer differently, or the exit code is bogus
    const status = lastStatus
    await writePrefix(file, opts.prefixFile, 0, checkpoints[0] ?? { events: 0, state: new TruthState().checkpoint() })
    const good = await opts.test(opts.prefixFile, 0)
    if (good === status) throw new BisectBogusStatusError(status)
  }
  if (first !== 'bad') return { total, firstBad: null, event: null, steps, onlySkippedLeft: [] }
  for (;;) {
    const mid = (lo + hi) >> 1
    let pick = -1
    for (let d = 0; mid - d > lo || mid + d < hi; d++) {
      if (mid - d > lo && mid - d < hi && verdicts.get(mid - d) !== 'skip') pick = mid - d
      else if (mid + d > lo && mid + d < hi && verdicts.get(mid + d) !== 'skip') pick = mid + d
      if (pick >= 0) break
    }
    if (pick < 0) break
    const v = await test(pick, Math.max(0, Math.ceil((hi - lo - 1) / 2) - 1))
    if (v === 'good') lo = pick
    else if (v === 'bad') hi = pick
  }
  const skipped: number[] = []
  for (let k = lo + 1; k < hi; k++) skipped.push(k)
  const bad = steps.find((s) => s.events === hi)
  return { total, firstBad: hi, event: bad?.event ?? null, steps, onlySkippedLeft: skipped }
}
