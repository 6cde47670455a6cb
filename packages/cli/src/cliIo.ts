import { isAbsolute, resolve } from 'node:path'
import type { Readable } from 'node:stream'

/** CliWriter - where a command writes one of its two output streams (a process stream, or a buffer in tests). */
export interface CliWriter {
  write(chunk: string | Uint8Array): unknown
  /** isTTY - a terminal is attached: progress lines are drawn (see progress.ts). */
  readonly isTTY?: boolean
}

/**
 * CliIo - what a command may touch of its process: its three streams, the working directory its paths are
 * relative to (and children are started in), the environment children inherit, and the exit status.
 * Commands never use process.stdin/stdout/stderr, process.cwd() or process.exit: an input `-` reads
 * @stdin, a relative path names a file under @cwd ({@link inCwd}), and a command sets @exitCode (0 ok, 1
 * violations/damage/differences found, 2 usage or input errors, 3 stale observation), which runCli()
 * returns. The bin entry (main.ts) passes the process's own (processIo()); tests pass buffers (test/cliRun.ts).
 */
export interface CliIo {
  /** stdin - what an input `-` reads: a stream (the process's stdin), or the whole input at once (tests). */
  readonly stdin: Readable | Buffer
  readonly stdout: CliWriter
  readonly stderr: CliWriter
  /** cwd - the directory relative paths on the command line name files in, and child processes (shrink's test command, bisect run) start in. */
  readonly cwd: string
  /** env - the environment child processes inherit (plus what the command adds). */
  readonly env: NodeJS.ProcessEnv
  /** exitCode - the status the run ends with; a command sets it, runCli() returns it. */
  exitCode: number
}

/** InputIo - the part of a {@link CliIo} that reading a command's inputs needs. */
export type InputIo = Pick<CliIo, 'stdin' | 'cwd'>

/** processIo - the context of the mmsim process itself (main.ts): its streams, cwd and environment; stdin is touched only when read. */
export function processIo(): CliIo {
  return {
    get stdin() {
      return process.stdin
    },
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    exitCode: 0,
  }
}

/**
 * inCwd - the path under which this process finds the file the user named @path in directory @io.cwd:
 * `-` and absolute paths as they are; a relative path as it is when the process's own cwd is @io.cwd (so
 * messages name the file as the user spelt it), otherwise resolved against @io.cwd.
 */
export function inCwd(io: Pick<CliIo, 'cwd'>, path: string): string {
  if (path === '-' || isAbsolute(path)) return path
  return resolve(io.cwd) === process.cwd() ? path : resolve(io.cwd, path)
}

/** stdinBytes - everything @io.stdin holds (read to its end when it is a stream). */
export async function stdinBytes(io: Pick<CliIo, 'stdin'>): Promise<Buffer> {
  const s = io.stdin
  if (Buffer.isBuffer(s)) return s
  const chunks: Buffer[] = []
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer))
  return Buffer.concat(chunks)
}
