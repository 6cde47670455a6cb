import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { appendFileSync, existsSync } from 'node:fs'

/** MMSIM_RUNNER_TRACE=FILE appends every instruction and reply to FILE (debugging). */
const TRACE = process.env['MMSIM_RUNNER_TRACE']
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { procStat } from './processAlive.ts'

/**
 * RUNNER_PATH - the built C runner, tools/kernel-runner/kernel-runner of the checkout this module runs from:
 * found by walking up, because the module sits at different depths in the sources (packages/kernel/src/live/)
 * and in the CLI bundle (dist/chunks/).
 */
export const RUNNER_PATH = runnerPath(dirname(fileURLToPath(import.meta.url)))

function runnerPath(from: string): string {
  for (let d = from; dirname(d) !== d; d = dirname(d)) if (existsSync(join(d, 'tools', 'kernel-runner'))) return join(d, 'tools', 'kernel-runner', 'kernel-runner')
  return join(from, '../../../../tools/kernel-runner/kernel-runner')
}

/** RawPage - one pagemap entry as the runner reports it (see tools/kernel-runner/runner.c, `pm`). */
export type RawPage =
  | { present: false; pagemap: bigint }
  | { present: true; pagemap: bigint; pfn: number; count: number; flags: bigint; head: number; nrPages: number }

/**
 * RunnerClient - one kernel-runner process (controller + workers) speaking the line protocol.
 * Requests are strictly sequential; every request ends with one `ok …`, `err …` or `fatal …` line.
 * Worker pids are tracked per slot (killed and awaited by killWorkersSync()).
 */
export class RunnerClient {
  /** Live worker pid per slot. */
  readonly workerPids = new Map<number, number>()
  private buf = ''
  private lines: string[] = []
  private waiting: (() => void) | null = null
  private closed = false
  private stderr = ''

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      this.buf += d
      const parts = this.buf.split('\n')
      this.buf = parts.pop()!
      this.lines.push(...parts)
      this.wake()
    })
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()))
    child.on('close', () => {
      this.closed = true
      this.wake()
    })
    child.stdin.on('error', () => undefined)
  }

  private wake(): void {
    const w = this.waiting
    this.waiting = null
    w?.()
  }

  private async nextLine(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.closed) throw new Error(`kernel-runner exited unexpectedly${this.stderr ? `: ${this.stderr.trim()}` : ''}`)
      await new Promise<void>((r) => (this.waiting = r))
    }
    return this.lines.shift()!
  }

  /** start - spawn the runner with @tmpDir for regular files; resolves once worker p0 is ready. */
  static async start(tmpDir: string): Promise<RunnerClient> {
    const c = new RunnerClient(spawn(RUNNER_PATH, [tmpDir], { stdio: ['pipe', 'pipe', 'pipe'] }))
    const first = await c.nextLine()
    const m = /^ready (\d+)$/.exec(first)
    if (!m) throw new Error(`kernel-runner: ${first}`)
    c.workerPids.set(0, Number(m[1]))
    return c
  }

  /**
   * request - send one instruction, return [final line, preceding data lines].
   * A `fatal` reply throws Error (a runner bug or a broken environment, not a refusal).
   */
  async request(line: string): Promise<[string, string[]]> {
    if (TRACE) appendFileSync(TRACE, `> ${line}\n`)
    this.child.stdin.write(line + '\n')
    const data: string[] = []
    for (;;) {
      const l = await this.nextLine()
      if (l.startsWith('fatal')) throw new Error(`kernel-runner: ${l.slice(6)} (instruction: ${line})`)
      if (l === 'ok' || l.startsWith('ok ') || l.startsWith('err ')) {
        if (TRACE) appendFileSync(TRACE, `< ${l}${data.length ? ` (+${data.length} lines, first: ${data[0]}, second: ${data[1]})` : ''}\n`)
        return [l, data]
      }
      data.push(l)
    }
  }

  /** worker - run worker op @op in @slot. @returns null on success (or the ok value), else the errno name. */
  async worker(slot: number, op: string): Promise<{ ok: true; value: string } | { ok: false; errno: string }> {
    const [last] = await this.request(`w ${slot} ${op}`)
    if (last.startsWith('err ')) return { ok: false, errno: last.slice(4) }
    const value = last.slice(3)
    if (op.startsWith('fork ')) this.workerPids.set(Number(op.slice(5)), Number(value))
    if (op === 'exit') this.workerPids.delete(slot)
    return { ok: true, value }
  }

  /** pages - pagemap/kpagecount/kpageflags facts of [@addr, @addr + @n pages) in @slot's process. */
  async pages(slot: number, addr: number, n: number): Promise<RawPage[]> {
    const [, data] = await this.request(`pm ${slot} ${addr} ${n}`)
    return data.map((l) => {
      const f = l.split(' ')
      if (f[0] === 'n') return { present: false, pagemap: BigInt('0x' + f[1]) }
      return {
        present: true,
        pagemap: BigInt('0x' + f[1]),
        pfn: Number(f[2]),
        count: Number(f[3]),
        flags: BigInt('0x' + f[4]),
        head: Number(f[5]),
        nrPages: Number(f[6]),
      }
    })
  }

  /** killWorkersSync - SIGKILL the controller and every worker, and wait (synchronously) until their memory is gone. */
  killWorkersSync(): void {
    const pids = [this.child.pid, ...this.workerPids.values()].filter((p): p is number => p !== undefined)
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 10_000
    for (const p of pids) {
      while (Date.now() < deadline) {
        const st = procStat(p)
        if (st === null || st.state === 'Z' || st.state === 'X') break
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
      }
    }
  }
}
