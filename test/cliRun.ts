import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** ROOT - the repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** mmsim - run the CLI as a user would (no TTY), returning exit status and both streams. */
export function mmsim(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
