// The live-kernel baselines of the bench (the record row and the small-scenario row): `mmsim observe
// --kernel` timed while holding the project's live-kernel lock (the one the *.kernel.test.ts files take),
// with every THP/HugeTLB knob compared before and after, and `mmsim kernel restore` after a failed run.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { measure, type Run } from './measure.ts'

interface LockModule {
  acquireKernelTestLock(timeoutMs?: number): Promise<void>
  releaseKernelTestLock(): void
}

const THP = '/sys/kernel/mm/transparent_hugepage'
const HUGETLB = '/sys/kernel/mm/hugepages'

/** knobFiles - every knob a scenario may set (docs/scenario-language.md §2) plus khugepaged's timers, where present. */
function knobFiles(): string[] {
  const files = [`${THP}/enabled`, `${THP}/defrag`, `${THP}/shmem_enabled`, '/proc/sys/vm/hugetlb_optimize_vmemmap']
  for (const k of ['pages_to_scan', 'scan_sleep_millisecs', 'alloc_sleep_millisecs', 'defrag']) files.push(`${THP}/khugepaged/${k}`)
  const dirs = (d: string, p: string): string[] => {
    try {
      return readdirSync(d).filter((x) => x.startsWith(p)).map((x) => join(d, x))
    } catch {
      return []
    }
  }
  for (const d of dirs(THP, 'hugepages-')) files.push(join(d, 'enabled'), join(d, 'shmem_enabled'))
  for (const d of dirs(HUGETLB, 'hugepages-')) files.push(join(d, 'nr_hugepages'))
  return files.filter((f) => existsSync(f))
}

/** snapshotKnobs - path → current value (the selected word for `always [madvise] never` files). */
export function snapshotKnobs(): Map<string, string> {
  const m = new Map<string, string>()
  for (const f of knobFiles()) {
    try {
      const t = readFileSync(f, 'utf8').trim()
      m.set(f, /\[(\S+)\]/.exec(t)?.[1] ?? t)
    } catch {
      /* unreadable: not ours to check */
    }
  }
  return m
}

/** KernelSession - what runs under the lock; `problem` says why the live kernel was not used. */
export interface KernelSession {
  problem: string | null
  /** knobs that differed after the runs (and whether writing the old value back worked) */
  knobNotes: string[]
}

/**
 * withLiveKernel - run @body while holding the live-kernel lock, or return why not (not root, no
 * /proc/kpagecount, runner missing, lock held by another live-kernel run for longer than @waitS).
 * Knobs are snapshotted before and compared after; any difference is written back and reported.
 */
export async function withLiveKernel(src: string, waitS: number, body: () => Promise<void>): Promise<KernelSession> {
  // loaded from the source tree being benched (the working tree or a MMSIM_BENCH_REF snapshot): the
  // same lock directory as the *.kernel.test.ts files, the same availability check as the CLI
  let lock: LockModule
  let problem: string | null
  try {
    lock = (await import(pathToFileURL(join(src, 'packages/kernel/src/live/kernelTestLock.ts')).href)) as LockModule
    const env = (await import(pathToFileURL(join(src, 'packages/kernel/src/live/liveEnvironment.ts')).href)) as { liveKernelProblem(): string | null }
    problem = env.liveKernelProblem()
  } catch (e) {
    return { problem: `cannot load the live-kernel lock from ${src}: ${(e as Error).message}`, knobNotes: [] }
  }
  if (problem) return { problem, knobNotes: [] }
  try {
    await lock.acquireKernelTestLock(waitS * 1000)
  } catch (e) {
    return { problem: `the live-kernel lock is busy: ${(e as Error).message}`, knobNotes: [] }
  }
  const before = snapshotKnobs()
  const knobNotes: string[] = []
  try {
    await body()
  } finally {
    const after = snapshotKnobs()
    for (const [f, v] of before) {
      const now = after.get(f)
      if (now === v) continue
      let how = 'written back'
      try {
        writeFileSync(f, v)
      } catch (e) {
        how = `could NOT be written back: ${(e as Error).message}`
      }
      knobNotes.push(`${f} was ${v}, found ${now ?? '(unreadable)'} after the live-kernel runs: ${how}`)
    }
    lock.releaseKernelTestLock()
  }
  return { problem: null, knobNotes }
}

/**
 * observeKernel - one timed `mmsim observe --kernel SCENARIO` (stdout discarded), with `mmsim kernel
 * restore` afterwards when the run did not end normally (a killed run leaves its knob journal behind).
 */
export async function observeKernel(cli: readonly string[], scenario: string, timeoutS: number): Promise<Run> {
  const r = await measure([...cli, 'observe', '--kernel', scenario], { timeoutS, graceS: 20 })
  if (r.outcome !== 'ok') await measure([...cli, 'kernel', 'restore'], { timeoutS: 60 })
  return r
}

/** memAvailableBytes - MemAvailable of /proc/meminfo (Infinity when unknown). */
export function memAvailableBytes(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))
    return m ? Number(m[1]) * 1024 : Infinity
  } catch {
    return Infinity
  }
}
