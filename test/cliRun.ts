import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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
