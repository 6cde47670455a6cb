import { Command, CommanderError } from 'commander'
import { registerAll } from './commands/index.ts'
import { UserError } from './userError.ts'

/**
 * runCli - build the mmsim program (every subcommand, `-V, --version`) and run it on @argv.
 * @version: the string `mmsim --version` prints.
 * @returns once the command finished; exits the process on errors (see runMain()).
 */
export async function runCli(argv: string[], version: string): Promise<void> {
  quietOnClosedPipe()
  const program = new Command()
  program
    .name('mmsim')
    .description('Record, replay, diff and bisect Linux folio/page mapcount schemes on traces of MM operations')
    .version(version, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run mmsim --help for usage)')
  registerAll(program)
  await runMain(program, argv)
}

/**
 * quietOnClosedPipe - `mmsim … | head` stops reading: end quietly as a process killed by SIGPIPE would
 * (status 128 + 13, what `git log | head` leaves in PIPESTATUS), never with a stack trace.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(SIGPIPE_STATUS)
      throw err
    })
  }
}

const SIGPIPE_STATUS = 141

/**
 * runMain - parse argv and run the chosen command; turn every user error into one line and exit code 2.
 * Exit codes: 0 ok, 1 violations/damage/differences found (set by the command), 2 usage or input errors.
 */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  // subcommands copy settings when created, so set the override on every command, not only the root
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)]
  for (const c of all(program)) c.exitOverride()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message
      if (err.exitCode === 0) process.exit(0)
      process.exit(2)
    }
    if (err instanceof UserError) {
      process.stderr.write(`mmsim: ${err.message}\n`)
      process.exit(err.exitCode)
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(SIGPIPE_STATUS)
    if (err instanceof Error && 'userMessage' in err && typeof err.userMessage === 'string') {
      process.stderr.write(`mmsim: ${err.userMessage}\n`)
      process.exit(2)
    }
    process.stderr.write(`mmsim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(70)
  }
}
