import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScenario } from '@mmsim/kernel'
import { collectTrace, JsonlWriter } from '@mmsim/trace'
import { recordScenario } from './record.ts'
import { analyseWaste, formatWaste } from './waste.ts'

const ROOT = join(import.meta.dirname, '../../../..')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-waste-'))

// Expected values worked out by hand: 32 sparse 4K writes into a 2 MiB memfd; the scenario's own policy is
// the default (shmem_enabled=never: order-0 folios), so 32 folios of one page, each written and mapped by
// one PTE; MADV_DONTNEED then unmaps them all (the page cache keeps them, with their data).
describe('mmsim waste', () => {
  it('a scenario is run on the model: 32 order-0 shmem folios, all written, unmapped after MADV_DONTNEED', async () => {
    const w = await analyseWaste(join(ROOT, 'traces/waste/shmem-sparse-dontneed.scenario'))
    expect(w.from).toBe('scenario')
    expect(w.report.rows).toEqual([expect.objectContaining({ kind: 'shmem', order: 0, folios: 32, allocated: 32, mapped: 0, written: 32, zeroScanReturns: 0, pteEntries: 0 })])
    const text = formatWaste(w)
    expect(text).toContain('shmem    4K      32         32       0       32             0    0    0             0      0                  0      0')
    for (const line of text) expect(line.length).toBeLessThanOrEqual(120)
  })

  it('a trace recorded from a scenario is rerun from the text in its header (same event count)', async () => {
    const s = parseScenario('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 128K shmem shared\np0 write A[0+4K]\np0 madvise A[0+64K] dontneed\n', 'w.scenario')
    const out = join(dir, 'w.mmtrace')
    recordScenario(s, out)
    const w = await analyseWaste(out)
    expect(w.from).toBe('trace-scenario')
    expect(w.rerunEvents).toBe(w.traceEvents)
    // one 64K folio: 1 page written, 15 zero and (after DONTNEED) unmapped: zero-page scanning frees 15
    expect(w.report.rows).toEqual([expect.objectContaining({ kind: 'shmem', order: 4, allocated: 16, mapped: 0, written: 1, zeroScanCandidates: 1, zeroScanReturns: 15 })])
    expect(formatWaste(w).at(-1)).toBe('reclaim: flag-on-failed-split would return 0 KiB, zero-page scanning 60 KiB')
  })

  it('a trace without a scenario (hand-written) is replayed: folios and entries only, contents unknown', async () => {
    const w = await analyseWaste(join(ROOT, 'traces/fork-cow-pmd-thp.mmtrace'))
    expect(w.from).toBe('trace-events')
    expect(w.report.contents).toBe(false)
    // the contract example (traces/fork-cow-pmd-thp.jsonl) ends after p1's exit freed its COW copy: p0's PMD THP alone
    expect(w.report.rows).toEqual([expect.objectContaining({ kind: 'anon', order: 9, folios: 1, allocated: 512, mapped: 512, written: 0, pmdEntries: 1, pteEntries: 0 })])
    expect(formatWaste(w)).toContain('anon     2M       1        512     512        ?             ?    1    0             ?      ?                  ?      ?')
  })

  it('a trace without a scenario text takes flag-on-failed-split\'s candidates from its folio/splitFailed events', async () => {
    // the pin corpus scenario's events (one 64K shmem folio whose split at page 1 failed), as a JSONL trace
    // whose header carries no scenario text, so nothing can be rerun
    const file = 'traces/scenarios/shmem-64K-pin-punch-split-fails.scenario'
    const trace = join(dir, 'pin.mmtrace')
    recordScenario(parseScenario(readFileSync(join(ROOT, file), 'utf8'), file), trace)
    const jsonl = join(dir, 'pin-events.jsonl')
    const jw = new JsonlWriter(jsonl, { kind: 'jsonl', name: 'pin-events' })
    for (const e of (await collectTrace(trace)).events) jw.write(e)
    jw.close()
    const w = await analyseWaste(jsonl)
    expect(w.from).toBe('trace-events')
    expect([w.report.contents, w.report.failedSplitsKnown]).toEqual([false, true])
    expect(w.report.splitFailures).toEqual([expect.objectContaining({ order: 4, cause: `${file}:12`, reason: 'EAGAIN (extra references)' })])
    expect(w.report.rows.find((r) => r.kind === 'shmem')).toEqual(expect.objectContaining({ order: 4, folios: 1, flagCandidates: 1 }))
    const text = formatWaste(w)
    // flag: folios known (1), its frees unknown (they need the page contents)
    expect(text.find((l) => l.startsWith('shmem'))).toMatch(/^shmem +64K +1 +16 +16 +\? +\? +0 +16 +1 +\? +\? +\?$/)
    expect(text).toContain(`  folio 0x${w.report.splitFailures[0]!.folio.toString(16)} (64K) at ${file}:12: EAGAIN (extra references)`)
  })

  it('a .mmtrace whose header does not declare folio/splitFailed says the failed splits are unknown', async () => {
    const w = await analyseWaste(join(ROOT, 'traces/fork-cow-pmd-thp.mmtrace'))
    expect(w.report.failedSplitsKnown).toBe(false)
  })
})
