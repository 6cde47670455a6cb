#!/usr/bin/env node
// The mmsim entry. `--version` answers before anything else is loaded (the bundle keeps the command tree
// in a lazily evaluated module), so `mmsim --version` costs about what `node -e 0` does.
import { readFileSync } from 'node:fs'

declare const __MMSIM_VERSION__: string | undefined

/** version - the root package.json's version: embedded by tools/buildCli.mjs, read from the checkout under tsx. */
function version(): string {
  if (typeof __MMSIM_VERSION__ === 'string') return __MMSIM_VERSION__
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
  return pkg.version ?? '0.0.0'
}

// `pnpm mmsim …` runs in the repository root: paths on the command line are the caller's (pnpm's INIT_CWD)
const script = process.env['npm_lifecycle_event']
const caller = process.env['INIT_CWD']
if ((script === 'mmsim' || script === 'mmsim:dev') && caller !== undefined && caller !== '') {
  try {
    process.chdir(caller)
  } catch {
    // the caller's directory is gone: stay in the repository root
  }
}

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(version() + '\n')
} else {
  const [{ runCli, SIGPIPE_STATUS }, { processIo }] = await Promise.all([import('./runMain.ts'), import('./cliIo.ts')])
  quietOnClosedPipe(SIGPIPE_STATUS)
  const status = await runCli(args, processIo(), version())
  process.exitCode = status
  // a pipe's writes are asynchronous here: exiting before they drain cut a 5.6 MiB answer at 128-256 KiB
  await Promise.all([drained(process.stdout), drained(process.stderr)])
  // once the command has answered nothing may keep the process alive (a live run abandoned at the time budget
  // is cleaned up, knobs restored, by its exit handler); pending stream errors (EPIPE) are handled first
  setTimeout(() => process.exit(status), 0).unref()
}

/**
 * drained - resolve once everything written to @stream so far has reached the kernel (an empty write's
 * callback runs after the writes queued before it), at once when nothing is queued.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => stream.write('', () => resolve()))
}

/**
 * quietOnClosedPipe - `mmsim … | head` stops reading: end quietly as a process killed by SIGPIPE would
 * (@status, 128 + 13), never with a stack trace.
 */
function quietOnClosedPipe(status: number): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(status)
      throw err
    })
  }
}
