import { Command, CommanderError } from 'commander'
import type { CliIo } from './cliIo.ts'
import { registerAll } from './commands/index.ts'
import { UserError } from './userError.ts'

/** SIGPIPE_STATUS - the status of a process killed by SIGPIPE (128 + 13), what `git log | head` leaves in PIPESTATUS. */
export const SIGPIPE_STATUS = 141

/**
 * runCli - build the mmsim program (every subcommand, `-V, --version`) and run it on @args (the words after
 * `mmsim`) with @io as its streams, working directory and environment: in process (tests) or for the bin
 * entry (main.ts, processIo()). Help and commander's errors are written to @io too.
 * @version: the string `mmsim --version` prints.
 * @returns the exit status: 0 ok, 1 violations/damage/differences found (set by the command), 2 usage or
 * input errors, 3 stale observation (verify), 70 internal error, 141 the reader of stdout went away.
 */
export async function runCli(args: readonly string[], io: CliIo, version: string): Promise<number> {
  const program = new Command()
  program
    .name('mmsim')
    .description('Record, replay, diff and bisect Linux folio/page mapcount schemes on traces of MM operations')
    .version(version, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run mmsim --help for usage)')
  registerAll(program, io)
  return runMain(program, args, io)
}

/**
 * runMain - parse @args and run the chosen command; turn every user error into one line and exit code 2.
 * @returns the exit status (see runCli()).
 */
async function runMain(program: Command, args: readonly string[], io: CliIo): Promise<number> {
  // subcommands copy settings when created, so set the override and the output on every command, not only the root
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)]
  // help wraps at the terminal's width, at commander's default (80) for pipes and buffers
  const width = (w: CliIo['stdout']): number => (w.isTTY === true ? ((w as { columns?: number }).columns ?? 80) : 80)
  for (const c of all(program)) {
    c.exitOverride()
    c.configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      getOutHelpWidth: () => width(io.stdout),
      getErrHelpWidth: () => width(io.stderr),
    })
  }
  try {
    await program.parseAsync([...args], { from: 'user' })
    return io.exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message
      return err.exitCode === 0 ? 0 : 2
    }
    if (err instanceof UserError) {
      io.stderr.write(`mmsim: ${err.message}\n`)
      return err.exitCode
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'EPIPE') return SIGPIPE_STATUS
    if (err instanceof Error && 'userMessage' in err && typeof err.userMessage === 'string') {
      io.stderr.write(`mmsim: ${err.userMessage}\n`)
      return 2
    }
    io.stderr.write(`mmsim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return 70
  }
}
