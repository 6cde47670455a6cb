// Builds tools/kernel-runner with the system C compiler, if there is one.
// Without a compiler the live-kernel features say so in one line; everything else works.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'kernel-runner')
const src = join(dir, 'runner.c')
if (!existsSync(src)) process.exit(0)
const cc = process.env.CC ?? 'cc'
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', join(dir, 'kernel-runner'), src], { stdio: 'inherit' })
if (r.error || r.status !== 0) {
  console.warn(`mmsim: could not build tools/kernel-runner with '${cc}' (${r.error?.message ?? 'exit ' + r.status}); live-kernel features will be unavailable`)
}
