import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { SyntheticWorkload } from '@mmsim/testing'
import { TraceWriter } from '@mmsim/trace'

/**
 * The benchmark's synthetic trace: processes forking over GiBs of PMD THPs, mTHPs, 4K and zero pages,
 * with COW, PMD splits and partial zaps, munmaps and exits (a steady state: processes come and go).
 * Cached in .bench/ under a name that includes the generator version and parameters. The generator is
 * deterministic, so the short trace is a prefix of the long one (used to show RSS does not grow with length).
 */
export const BENCH_WORKLOAD = { seed: 20261122, maxProcs: 16, regionChunks: 128, forkRate: 0.002, cause: 'bench' } // 256 MiB regions
const GENERATOR_VERSION = 3

/** benchTraces - paths of cached synthetic traces of at least @short and @long events (written if missing). */
export function benchTraces(short: number, long: number, dir = '.bench', log: (s: string) => void = () => {}): { short: string; long: string } {
  mkdirSync(dir, { recursive: true })
  const name = (n: number): string => join(dir, `synthetic-v${GENERATOR_VERSION}-${BENCH_WORKLOAD.seed}-${n}.mmtrace`)
  const paths = { short: name(short), long: name(long) }
  if (existsSync(paths.short) && existsSync(paths.long)) return paths
  log(`generating ${long.toLocaleString('en-US')} synthetic events into ${dir}/ (once; cached) …`)
  const source = { kind: 'synthetic', name: 'bench', detail: JSON.stringify(BENCH_WORKLOAD) }
  const ws = new TraceWriter(paths.short + '.tmp', source)
  const wl = new TraceWriter(paths.long + '.tmp', source)
  const gen = new SyntheticWorkload(BENCH_WORKLOAD)
  let n = 0
  let shortDone = false
  let nextLog = 1_000_000
  while (n < long) {
    for (const e of gen.next()) {
      wl.write(e)
      if (!shortDone) ws.write(e)
      n++
    }
    if (!shortDone && n >= short) {
      ws.close()
      renameSync(paths.short + '.tmp', paths.short)
      shortDone = true
    }
    if (n >= nextLog) {
      log(`  … ${(n / 1e6).toFixed(0)} M events`)
      nextLog += 1_000_000
    }
  }
  wl.close()
  renameSync(paths.long + '.tmp', paths.long)
  return paths
}
