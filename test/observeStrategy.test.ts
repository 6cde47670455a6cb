import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { compareObservations, parseScenario, simulateScenario, type ObservationDocument } from '@mmsim/kernel'
import { strategyObserver } from '../packages/cli/src/commands/strategyObserver.ts'
import { mmsimIn } from './cliRun.ts'

// `mmsim observe --strategy linux-6.15` replaces the simulated kernel's ground-truth shortcut with the
// scheme this machine's 6.18 runs (MM-owner tracking with CONFIG_PAGE_MAPCOUNT): it must still agree with
// the live kernel's stored observation of every corpus scenario, at every check, on every page.
const dir = fileURLToPath(new URL('../traces/scenarios/', import.meta.url))
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario') && existsSync(join(dir, f.replace(/\.scenario$/, '.kernel.json'))))
  .sort()

describe('observe --strategy linux-6.15 vs the stored live-kernel observations', () => {
  it('has the corpus', async () => expect(corpus.length).toBeGreaterThanOrEqual(60))
  it.each(corpus)('%s', async (name) => {
    const file = join(dir, name)
    const s = parseScenario(readFileSync(file, 'utf8'), file)
    const r = simulateScenario(s, await strategyObserver('linux-6.15'))
    expect(r.observation.detail).toMatch(/^linux-6\.15 /)
    const kernel = JSON.parse(readFileSync(file.replace(/\.scenario$/, '.kernel.json'), 'utf8')) as ObservationDocument
    const c = compareObservations(r.observation, kernel)
    expect(c.differences.slice(0, 10).map((d) => `line ${d.line} ${d.proc} ${d.mapping} +${d.off} ${d.field}: scheme ${d.model} kernel ${d.kernel}`)).toEqual([])
  })
})

describe('mmsim observe --strategy', () => {
  it('under linux-6.15-no-page-mapcount kpagecount of a large folio page is the folio average, not its own count', async () => {
    // worked by hand from folio_average_page_mapcount() (include/linux/mm.h, 6.18): after p1 COWs page 2 of
    // the fork-shared PMD THP (second check), p0 maps the folio by its PMD (entire 1) and p1 by 511 PTEs, so
    // large_mapcount = 512; avg = ((512 - 1) + 256) >> 9 = 1, plus entire 1 = 2 for every page. Page 2 itself
    // is mapped only by p0's PMD: its precise count (CONFIG_PAGE_MAPCOUNT, as the live kernel shows) is 1.
    const f = join(dir, 'fork-cow-pmd-thp.scenario')
    const precise = JSON.parse((await mmsimIn('observe', f)).stdout) as ObservationDocument
    const avg = JSON.parse((await mmsimIn('observe', f, '--strategy', 'linux-6.15-no-page-mapcount')).stdout) as ObservationDocument
    const page = (d: ObservationDocument, i: number): { mapcount?: number } => d.checks[1]!.procs.p0!.A![i]! as { mapcount?: number }
    expect(page(precise, 2).mapcount).toBe(1)
    expect(page(avg, 2).mapcount).toBe(2)
    expect(page(precise, 3).mapcount).toBe(2)
    expect(page(avg, 3).mapcount).toBe(2)
  })

  it('refuses --strategy with --kernel and unknown schemes (exit 2, one line)', async () => {
    const f = join(dir, 'fork-cow-pmd-thp.scenario')
    const a = await mmsimIn('observe', f, '--kernel', '--strategy', 'linux-6.15')
    expect(a.status).toBe(2)
    expect(a.stderr).toMatch(/cannot be combined with --kernel/)
    const b = await mmsimIn('observe', f, '--strategy', 'linux-9.9')
    expect(b.status).toBe(2)
    expect(b.stderr.trim().split('\n')).toHaveLength(1)
  })
})
