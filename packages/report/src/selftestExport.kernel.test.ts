// Exports every corpus scenario the model agrees on (its simulated observation equals the stored
// NAME.kernel.json) as a C selftest, builds it with cc -Wall -Werror and runs it on the live kernel: every
// TAP test must pass (exit 0) and every knob must be back at its old value when the program exits (checked
// before the test's own journal restore). Runs under the live-kernel test lock and the knob lock (the
// journal records the old values first, so a killed run is put back by `mmsim kernel restore`).
// Runs only with MMSIM_LIVE_KERNEL=1 (.ci/run sets it); skips, saying why, without it, root, /proc/kpagecount or cc.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  compareObservations, effectiveKnobs, knobPlan, liveKernelTestsProblem, parseScenario, readKnob, simulateScenario,
  type ObservationDocument, type PageObserver, type ParsedScenario,
} from '@mmsim/kernel'
import { acquireKernelTestLock, releaseKernelTestLock } from '../../kernel/src/live/kernelTestLock.ts'
import { acquireKnobLock, recordJournal, releaseKnobLock } from '../../kernel/src/live/knobJournal.ts'
import { hugetlbPoolProblem } from '../../kernel/src/live/hugetlbPoolCheck.ts'
import { knobSetting } from '../../kernel/src/live/knobs.ts'
import { loadStrategies, observePage } from '@mmsim/strategies'
import { exportSelftestC, SelftestError } from './selftestExport.ts'

const CORPUS = fileURLToPath(new URL('../../../traces/scenarios/', import.meta.url))
const hasCc = spawnSync('cc', ['--version']).status === 0
const problem = liveKernelTestsProblem() ?? (hasCc ? null : 'no C compiler (cc)')
if (problem) console.log(`selftestExport.kernel.test: skipped: ${problem}`)
const dir = mkdtempSync(join(tmpdir(), 'mmsim-selftest-kt-'))

interface Case {
  name: string
  parsed: ParsedScenario
  model: ObservationDocument
}

/** the corpus scenarios whose model observation agrees with the stored kernel one and whose knobs this kernel has */
function agreeing(): Case[] {
  const out: Case[] = []
  for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.scenario')).sort()) {
    const name = f.slice(0, -'.scenario'.length)
    let stored: ObservationDocument
    try {
      stored = JSON.parse(readFileSync(join(CORPUS, `${name}.kernel.json`), 'utf8')) as ObservationDocument
    } catch {
      continue
    }
    const parsed = parseScenario(readFileSync(join(CORPUS, f), 'utf8'), join(CORPUS, f))
    let model: ObservationDocument
    try {
      model = simulateScenario(parsed).observation
    } catch {
      continue // not modelled
    }
    if (!compareObservations(model, stored).agree) continue
    try {
      knobPlan(parsed.knobs, parsed.statements)
    } catch {
      continue // a `set` this kernel lacks: the program would skip (exit 4)
    }
    try {
      exportSelftestC(parsed, model)
    } catch (e) {
      // a statement export-c does not support yet (pin): it refuses in one line, tested in selftestExport.test.ts
      if (!(e instanceof SelftestError)) throw e
      console.log(`selftestExport.kernel.test: ${name} not exported: ${e.message}`)
      continue
    }
    out.push({ name, parsed, model })
  }
  return out
}

const cases = problem ? [] : agreeing()

/** schemeObserver - the observer of `mmsim observe --strategy @id` (cli strategyObserver.ts). */
async function schemeObserver(id: string): Promise<PageObserver> {
  const [st] = await loadStrategies(id)
  const s = st!.init()
  return {
    detail: `${st!.id} (mapcount scheme on the simulated linux-6.18 events)`,
    onEvent: (e, truth) => void (st!.handles.has(e.type) && st!.apply(s, e, truth)),
    page: (pfn, level) => observePage(st!, s, pfn, level),
  }
}
// every knob a run may touch (the plan for the default settings covers every path this kernel has)
const PATHS = problem ? [] : knobPlan(effectiveKnobs([])).map((w) => w.path)
const THP_DIR = '/sys/kernel/mm/transparent_hugepage'
const snapshot = (): Record<string, string> => Object.fromEntries(PATHS.map((p) => [p, readKnob(p)]))

function build(c: Case): string {
  const src = join(dir, `${c.name}.c`)
  const bin = join(dir, c.name)
  writeFileSync(src, exportSelftestC(c.parsed, c.model))
  const r = spawnSync('cc', ['-Wall', '-Werror', '-o', bin, src], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return bin
}

/** usesHugetlbPool - whether @p maps a HugeTLB page or sets a HugeTLB pool */
function usesHugetlbPool(p: ParsedScenario): boolean {
  return p.knobs.hugetlb.size > 0 || p.statements.some((st) => st.op === 'mmap' && st.kind.startsWith('hugetlb'))
}

/** run @bin under the knob lock; @returns its result and the knobs right after it exited */
async function runLive(bin: string, knobs: ParsedScenario['knobs']) {
  await acquireKnobLock()
  try {
    recordJournal(knobPlan(knobs).map((w) => ({ path: w.path, value: knobSetting(w.path) })))
    const before = snapshot()
    const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 240_000 })
    return { r, before, after: snapshot() }
  } finally {
    const failed = releaseKnobLock()
    if (failed.length) throw new Error(`could not restore knobs: ${failed.join('; ')}`)
  }
}

describe.skipIf(problem !== null)(`exported C selftests pass on the live kernel${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(() => acquireKernelTestLock(), 600_000)
  afterAll(() => {
    releaseKernelTestLock()
    rmSync(dir, { recursive: true, force: true })
  })

  it('has corpus scenarios the model agrees on', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
  })

  it.for(cases.map((c) => [c.name, c] as const))('%s', { timeout: 300_000 }, async ([, c], ctx) => {
    // a machine whose HugeTLB pool holds pages nothing can free (another user's, or reservations 6.18 leaked)
    // cannot set up a scenario's pool as written: the program would say so and skip; so does the test, in one line
    const pool = usesHugetlbPool(c.parsed) ? hugetlbPoolProblem() : null
    if (pool !== null) return ctx.skip(`${c.name}: ${pool}`)
    const bin = build(c)
    const { r, before, after } = await runLive(bin, c.parsed.knobs)
    expect(after).toEqual(before)
    // the program's own honest skip: every attempt met struct pages this VM reads as blank (above ~7.9 GiB,
    // docs/observation-format.md machine notes) — an environment limit, said in one line, not a pass
    if (r.status === 4 && /^1\.\.0 # SKIP no valid observation/.test(r.stdout)) return void console.log(`${c.name}: ${r.stdout.trim()}`)
    expect(r.stdout).toMatch(/^TAP version 13\n1\.\.\d+\n/)
    expect(r.stdout).not.toMatch(/^not ok/m)
    expect(r.status, r.stdout).toBe(0)
  })

  it('a prediction the kernel contradicts is "not ok" with the differing pages, exit 1, knobs restored', async () => {
    // CONFIG_NO_PAGE_MAPCOUNT reports kpagecount of a PTE-mapped THP as the folio's average mapcount; this
    // kernel (CONFIG_PAGE_MAPCOUNT) reports each page's own: at line 8 page 1 (mprotected alone) differs
    const c = cases.find((x) => x.name === 'cow-pte-mapped-thp')!
    const observer = await schemeObserver('linux-6.15-no-page-mapcount')
    const model = simulateScenario(c.parsed, observer).observation
    expect(compareObservations(model, c.model).agree).toBe(false)
    const bin = build({ name: 'contradicted', parsed: c.parsed, model })
    const { r, before, after } = await runLive(bin, c.parsed.knobs)
    expect(after).toEqual(before)
    expect(r.stdout).toMatch(/^not ok \d+ line \d+ p\d A: 512 pages as the model predicts/m)
    expect(r.stdout).toMatch(/^# \+0x[0-9a-f]+: the model predicts mapcount \d+, .*; the kernel shows mapcount \d+, /m)
    expect(r.status).toBe(1)
  }, 300_000)

  it('SIGTERM in the middle of a run: the program restores every knob and exits 143', async () => {
    // 64 PMD THPs read back 30 times (3 preads per page, twice per check): seconds of work to interrupt
    const text = `scenario sigterm\nset thp=always\nset thp.64K=always\np0 mmap A 128M anon private\np0 write A\n${'check\n'.repeat(30)}`
    const parsed = parseScenario(text, 'sigterm.scenario')
    const bin = build({ name: 'sigterm', parsed, model: simulateScenario(parsed).observation })
    await acquireKnobLock()
    try {
      recordJournal(knobPlan(parsed.knobs).map((w) => ({ path: w.path, value: knobSetting(w.path) })))
      const before = snapshot()
      expect(before[`${THP_DIR}/enabled`]).not.toBe('always')
      const child = spawn(bin, [], { stdio: ['ignore', 'pipe', 'pipe'] })
      const done = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
      const deadline = Date.now() + 60_000
      while (readKnob(`${THP_DIR}/enabled`) !== 'always' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
      expect(readKnob(`${THP_DIR}/enabled`)).toBe('always')
      await new Promise((r) => setTimeout(r, 300))
      child.kill('SIGTERM')
      expect(await done).toBe(143)
      expect(snapshot()).toEqual(before)
    } finally {
      const failed = releaseKnobLock()
      if (failed.length) throw new Error(`could not restore knobs: ${failed.join('; ')}`)
    }
  }, 300_000)

  it('without root the program skips (1..0 # SKIP, exit 4) before touching anything', () => {
    const c = cases.find((x) => x.name === 'cow-pte-mapped-thp')!
    const bin = build(c)
    chmodSync(dir, 0o755) // this test's own directory: the unprivileged user must reach the program
    const before = snapshot()
    const r = spawnSync(bin, [], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 30_000 })
    expect(r.stdout).toBe('1..0 # SKIP needs root (reads /proc/kpagecount, changes THP knobs)\n')
    expect(r.status).toBe(4)
    expect(snapshot()).toEqual(before)
  })
})
