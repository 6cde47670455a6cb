/** CliWriter - where a command writes one of its two output streams (a process stream, or a buffer in tests). */
export interface CliWriter {
  write(chunk: string | Uint8Array): unknown
  /** isTTY - a terminal is attached: progress lines are drawn (see progress.ts). */
  readonly isTTY?: boolean
}

/**
 * CliIo - what a command may touch of its process: both output streams, the working
 * directory and environment children are started with, and the exit status. Commands never write
 * process.stdout/stderr or call process.exit: they set @exitCode (0 ok, 1 violations/damage/differences
 * found, 2 usage or input errors, 3 stale observation), and runCli() returns it. The bin entry (main.ts)
 * maps it to the process (processIo()); tests pass a buffer (test/cliRun.ts). Input `-` still reads the process's stdin (fd 0).
 */
export interface CliIo {
  readonly stdout: CliWriter
  readonly stderr: CliWriter
  /** cwd - the directory child processes (shrink's test command, bisect run) start in. */
  readonly cwd: string
  /** env - the environment child processes inherit (plus what the command adds). */
  readonly env: NodeJS.ProcessEnv
  /** exitCode - the status the run ends with; a command sets it, runCli() returns it. */
  exitCode: number
}

/** processIo - the context of the mmsim process itself (main.ts): its streams, cwd and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, exitCode: 0 }
}
