/**
 * withKernelLock - run one command while holding the live-kernel test lock, so ad-hoc live runs
 * (`mmsim observe --kernel`, `mmsim verify`, kernel test files) never interleave with another
 * process driving the kernel's knobs. Usage: `npx tsx tools/withKernelLock.ts -- CMD [ARGS…]`.
 * Exits with the command's status; the lock is released on exit, also on SIGINT/SIGTERM, and by the kernel
 * when this process is killed (it is an flock: see kernelTestLock.ts). The command does not inherit the
 * lock's fd; it is told the lock is held (MMSIM_KERNEL_LOCK_HELD=1) so that it does not wait for it.
 */
import { spawnSync } from 'node:child_process'
import { acquireKernelTestLock, releaseKernelTestLock } from '../packages/kernel/src/live/kernelTestLock.ts'

const argv = process.argv.slice(2)
const cmd = argv[0] === '--' ? argv.slice(1) : argv
if (cmd.length === 0) {
  process.stderr.write('usage: tsx tools/withKernelLock.ts -- CMD [ARGS…]\n')
  process.exit(2)
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    releaseKernelTestLock()
    process.exit(130)
  })
}
await acquireKernelTestLock(3_600_000)
let status = 1
try {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: { ...process.env, MMSIM_KERNEL_LOCK_HELD: '1' } })
  if (r.error) process.stderr.write(`withKernelLock: ${r.error.message}\n`)
  status = r.status ?? 1
} finally {
  releaseKernelTestLock()
}
process.exit(status)
