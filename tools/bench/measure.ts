// Runs one command as a child process and measures it the way /usr/bin/time does: wall time, CPU time
// (user+sys of the child and everything it waited for) and peak RSS. Never throws for what the command
// does: a crash, an out-of-heap abort, a timeout or a bad exit status is the run's `outcome`.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Run - one measured run. `outcome` is 'ok' or why not ('timeout after 60 s', 'out of heap', 'exit 2: …'). */
export interface Run {
  outcome: string
  status: number | null
  signal: string | null
  wallS: number
  cpuS: number
  maxRssMiB: number
  stdoutHead: string
  stdoutBytes: number
  stderrTail: string
}

/** RunOptions - @okStatus: exit statuses that count as success (default [0]); @timeoutS: kill after (SIGTERM, then SIGKILL); @env: extra environment. */
export interface RunOptions {
  okStatus?: readonly number[]
  timeoutS?: number
  env?: Record<string, string>
  /** seconds between SIGTERM and SIGKILL on timeout (a live-kernel run restores its knobs on SIGTERM) */
  graceS?: number
}

const TIME = '/usr/bin/time'
const WRAPPER = fileURLToPath(new URL('./rusage.mjs', import.meta.url))
const HEAD = 2048
const TAIL = 4096

const active = new Set<number>()

/** killActive - SIGTERM the process groups of the commands running now (the bench itself is being stopped). */
export function killActive(): void {
  for (const pid of active) {
    try {
      process.kill(-pid, 'SIGTERM')
    } catch {
      /* gone */
    }
  }
}

/** haveTime - whether GNU time is there (otherwise the rusage.mjs wrapper measures a node child). */
export const haveGnuTime = existsSync(TIME)

/**
 * measure - run `node ARGS…` (or any argv with @argv[0] an absolute program) and measure it.
 * The child runs in its own process group; a timeout kills that group (only what this run started).
 */
export function measure(argv: readonly string[], opts: RunOptions = {}): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-bench-'))
  const out = join(dir, 'rusage')
  const nodeChild = argv[0] === process.execPath
  const cmd = haveGnuTime ? TIME : process.execPath
  const args = haveGnuTime
    ? ['-f', '%e %U %S %M', '-o', out, ...argv]
    : nodeChild ? [WRAPPER, out, ...argv.slice(1)] : [WRAPPER, out, '--exec', ...argv]
  const t0 = performance.now()
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } })
    if (child.pid !== undefined) active.add(child.pid)
    let head = ''
    let bytes = 0
    let tail = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (head.length < HEAD) head += s.slice(0, HEAD - head.length)
      bytes += Buffer.byteLength(s)
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => void (tail = (tail + s).slice(-TAIL)))
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig)
      } catch {
        /* already gone */
      }
    }
    let hard: NodeJS.Timeout | undefined
    const timer = opts.timeoutS === undefined ? undefined : setTimeout(() => {
      timedOut = true
      // SIGTERM to what /usr/bin/time runs (so that time still reports its CPU and RSS), or to the group
      const kids = haveGnuTime ? childrenOf(child.pid!) : []
      if (kids.length === 0) killGroup('SIGTERM')
      for (const k of kids) {
        try {
          process.kill(k, 'SIGTERM')
        } catch {
          /* gone */
        }
      }
      hard = setTimeout(() => killGroup('SIGKILL'), (opts.graceS ?? 2) * 1000)
    }, opts.timeoutS * 1000)
    child.on('error', (e) => {
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
      resolve({ outcome: `cannot start: ${e.message}`, status: null, signal: null, wallS: 0, cpuS: 0, maxRssMiB: 0, stdoutHead: '', stdoutBytes: 0, stderrTail: '' })
    })
    child.on('close', (status, signal) => {
      active.delete(child.pid!)
      clearTimeout(timer)
      clearTimeout(hard)
      const wallParent = (performance.now() - t0) / 1000
      let wallS = wallParent
      let cpuS = NaN
      let maxRssMiB = NaN
      let innerStatus = status
      let innerSignal: string | null = signal
      try {
        const text = readFileSync(out, 'utf8')
        if (haveGnuTime) {
          // "Command terminated by signal 9" / "Command exited with non-zero status 1" precede the figures
          const lines = text.trim().split('\n')
          const sigLine = lines.find((l) => l.startsWith('Command terminated by signal'))
          if (sigLine) innerSignal = `signal ${sigLine.split(' ').pop()}`
          const [e, u, s, m] = lines[lines.length - 1]!.trim().split(/\s+/).map(Number)
          wallS = e!
          cpuS = u! + s!
          maxRssMiB = m! / 1024
        } else {
          const r = JSON.parse(text) as { wallS: number; cpuS: number; maxRssMiB: number; status: number | null; signal: string | null }
          ;({ wallS, cpuS, maxRssMiB } = r)
          innerStatus = r.status
          innerSignal = r.signal
        }
      } catch {
        /* killed before time wrote anything */
      }
      rmSync(dir, { recursive: true, force: true })
      const okStatus = opts.okStatus ?? [0]
      const oom = /heap out of memory|Reached heap limit|Allocation failed/i.test(tail)
      let outcome = 'ok'
      if (timedOut) outcome = `timeout after ${opts.timeoutS} s`
      else if (oom) outcome = 'out of heap'
      else if (innerSignal !== null && innerSignal !== undefined && !(innerStatus !== null && okStatus.includes(innerStatus))) outcome = `killed (${innerSignal})`
      else if (innerStatus === null || !okStatus.includes(innerStatus)) outcome = `exit ${innerStatus}: ${lastLine(tail)}`
      if (timedOut) wallS = Math.max(wallS, wallParent)
      resolve({ outcome, status: innerStatus, signal: innerSignal, wallS, cpuS, maxRssMiB, stdoutHead: head, stdoutBytes: bytes, stderrTail: tail })
    })
  })
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function lastLine(s: string): string {
  const l = s.trim().split('\n').filter((x) => x.trim() !== '')
  return (l[l.length - 1] ?? '').slice(0, 200)
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Measured - the medians of a row's runs (failed runs excluded from the medians; the first failure reported). */
export interface Measured {
  runs: Run[]
  outcome: string
  wallS: number
  cpuS: number
  maxRssMiB: number
}

/**
 * repeat - run @argv up to @runs times (fewer when one run took longer than @longS: a slow row is run once),
 * stop at the first failure; medians over the successful runs.
 */
export async function repeat(argv: readonly string[], runs: number, opts: RunOptions & { longS?: number } = {}): Promise<Measured> {
  const all: Run[] = []
  for (let i = 0; i < runs; i++) {
    const r = await measure(argv, opts)
    all.push(r)
    if (r.outcome !== 'ok' || r.wallS > (opts.longS ?? 20)) break
  }
  const good = all.filter((r) => r.outcome === 'ok')
  return {
    runs: all,
    outcome: all.find((r) => r.outcome !== 'ok')?.outcome ?? 'ok',
    wallS: median(good.map((r) => r.wallS)),
    cpuS: median(good.map((r) => r.cpuS)),
    maxRssMiB: median(good.map((r) => r.maxRssMiB)),
  }
}
