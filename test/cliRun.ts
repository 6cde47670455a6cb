import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { runCli } from '../packages/cli/src/runMain.ts'

/** ROOT - the repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** mmsim - run the CLI as a user would (the bundle built by test/buildBundle.globalSetup.ts, no TTY), returning exit status and both streams. */
export function mmsim(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/mmsim.mjs', ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** mmsimDev - run the TypeScript entry through tsx (`pnpm mmsim:dev`), as mmsim() does the bundle. */
export function mmsimDev(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** BufferWriter - an in-process stream: what a command wrote, as text. */
class BufferWriter {
  private chunks: string[] = []
  constructor(readonly isTTY = false) {}
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  text(): string {
    return this.chunks.join('')
  }
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0'

/**
 * mmsimIn - run the CLI in this process (runCli() with buffers for stdout/stderr, an empty stdin, relative
 * paths and children in ROOT), returning what mmsim() returns for the bundle: a command's behaviour without
 * a process start (~0.1-0.3 s each).
 */
export async function mmsimIn(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return runIn(args)
}

/**
 * RunInOptions - how runIn() sets up the context: @stderrTTY makes stderr claim to be a terminal (progress
 * lines are drawn); @cwd is the directory relative paths name files in (default ROOT); @stdin is what an
 * input `-` reads (default: nothing).
 */
export interface RunInOptions {
  stderrTTY?: boolean
  cwd?: string
  stdin?: Readable | Buffer | string
}

/** runIn - mmsimIn() with options ({@link RunInOptions}). */
export async function runIn(args: readonly string[], opts: RunInOptions = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new BufferWriter()
  const stderr = new BufferWriter(opts.stderrTTY === true)
  const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : (opts.stdin ?? Buffer.alloc(0))
  const status = await runCli(args, { stdin, stdout, stderr, cwd: opts.cwd ?? ROOT, env: process.env, exitCode: 0 }, VERSION)
  return { status, stdout: stdout.text(), stderr: stderr.text() }
}
