import { accessSync, constants, existsSync } from 'node:fs'
import { RUNNER_PATH } from './runnerClient.ts'

/**
 * liveKernelProblem - why this machine cannot run scenarios on its live kernel, as one line, or null
 * when it can: needs root, /proc/kpagecount (and kpageflags), and a built tools/kernel-runner.
 */
export function liveKernelProblem(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the live kernel needs root (reading /proc/kpagecount and changing THP knobs); run as root'
  if (!existsSync('/proc/kpagecount')) return 'this kernel has no /proc/kpagecount (CONFIG_PROC_PAGE_MONITOR is off)'
  if (!existsSync('/proc/kpageflags')) return 'this kernel has no /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR is off)'
  try {
    accessSync(RUNNER_PATH, constants.X_OK)
  } catch {
    return 'tools/kernel-runner/kernel-runner is not built (no C compiler at install time?); run pnpm build:runner'
  }
  return null
}

/**
 * liveKernelTestsProblem - why the live-kernel test suites (*.kernel.test.ts) do not run here, or null. They
 * change THP, shmem, HugeTLB-pool and HVO knobs (restoring them afterwards), so they run only when asked:
 * MMSIM_LIVE_KERNEL=1 (.ci/run sets it), and only where {@link liveKernelProblem} finds nothing missing.
 */
export function liveKernelTestsProblem(): string | null {
  if (process.env['MMSIM_LIVE_KERNEL'] !== '1') return 'MMSIM_LIVE_KERNEL=1 is not set (these tests change THP/shmem/HugeTLB/HVO knobs for their runs; .ci/run sets it)'
  return liveKernelProblem()
}
