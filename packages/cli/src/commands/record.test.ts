import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from '@mmsim/core'
import { parseScenario, printScenario, simDetail, simulateScenario } from '@mmsim/kernel'
import { TraceWriter } from '@mmsim/trace'
import { recordScenario } from './record.ts'

const ROOT = join(import.meta.dirname, '../../../..')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-record-'))
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

// sha256 of the trace `mmsim record NAME -o OUT` wrote for NAME (the path as given, which is in every cause),
// computed with the CLI bundle of commit c10e53e — before record streamed and the simulator ran on the flat
// ground truth — so these pin the bytes to what record always wrote. Re-pinned once, for the trace format's
// running event counts per frame (b93afa4, a compatible revision): the traces the bundle of b93afa4^ writes
// (whose hashes were the old pins, ac8fe2ff… here) and the ones written now convert to byte-identical JSONL,
// checked for all eight and the storm below with `mmsim convert X.mmtrace X.jsonl` — same events, new framing.
const BEFORE: Record<string, string> = {
  './traces/scenarios/fork-cow-pmd-thp.scenario': 'f9af180c56db8b1759d49ac639a88301e706ebec84c0976d0d40832460aaf916',
  './traces/scenarios/cow-mthp-64K-child-writes.scenario': '96c79ffd30ecac2ee13c6f414ba850136f5876493ec048d8f26dba21c18cd9aa',
  './traces/scenarios/file-private-fork-cow.scenario': 'c80f5188812191707d573156ec63050e61abdb5968dd2da9ff76de7ff4b95f3e',
  './traces/scenarios/fork-chain-ten-processes.scenario': 'fb43cc835972f16195e183abfab92cc7741c447ad5dabd506095adc07cef16db',
  './traces/scenarios/hugetlb-2M-private-fork.scenario': 'a059c97229037fd906de16c521afe470431224c5227eed15501280c202eadfa0',
  './traces/scenarios/shmem-thp-always-shared-fork.scenario': '1d512a6d8e18ca4ccdeff960953bc2546edf038fabb39dc897c9ab1604383f54',
  './traces/scenarios/thp-fork-then-child-dontneed-half.scenario': 'efdb0f5cb903659150753c88b1d4aa1b2b3cb11e624954cd4cb70bcdf394950b',
  './traces/scenarios/collapse-after-fork.scenario': '99b32ae8736f43adf1e8756b4c1a04de1902cc74b61df663a2c349ff9655fc3d',
}

// A small fork storm: order-0 anon pages and PMD THPs, COW copies and reuse, fork's PTE copy, exit and
// MADV_DONTNEED (zap, page-table reclaim, refault), checks. 40,480 events: 10 frames of 4096.
const STORM = `scenario storm-small
set thp=madvise
p0 mmap A 8M anon private
p0 madvise A nohugepage
p0 mmap T 4M anon private
p0 madvise T hugepage
p0 write A
p0 write T
p0 fork p1
p0 fork p2
p0 fork p3
p1 write A
p1 write T
p2 write A[0+4M]
p2 write T[0+2M]
check
p1 exit
p2 madvise A dontneed
p3 madvise T[1M+2M] dontneed
p3 write T
check
p3 exit
p0 madvise A[0+1M] dontneed
check
`
const STORM_SHA = '8f21f692b1acd20c4e43a49264f7ed9c901124016fb8bf4b342ace126b56fe6c'

const tmpFiles = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'))

describe('record (streaming)', () => {
  it.each(Object.entries(BEFORE))('%s: the same bytes as before streaming', (file, sha) => {
    const out = join(dir, 'corpus.mmtrace')
    const r = recordScenario(parseScenario(readFileSync(join(ROOT, file), 'utf8'), file), out)
    expect(r.truth.violationCount).toBe(0)
    expect(sha256(out)).toBe(sha)
  })

  it('a small fork storm: the same bytes as before, and as a writer fed the collected events', () => {
    const s = parseScenario(STORM, 'storm-small.scenario')
    const out = join(dir, 'storm.mmtrace')
    const r = recordScenario(s, out)
    expect(r.events).toBe(40480)
    expect(sha256(out)).toBe(STORM_SHA)
    const collected = join(dir, 'collected.mmtrace')
    const w = new TraceWriter(collected, { kind: 'scenario', name: s.name, text: printScenario(s.statements), detail: simDetail() })
    w.writeAll(simulateScenario(s).events)
    w.close()
    expect(sha256(collected)).toBe(STORM_SHA)
  })

  it('writes frames to the temporary file while the simulation runs; the output appears only at the end', () => {
    const s = parseScenario(STORM, 'storm-small.scenario')
    const out = join(dir, 'streamed.mmtrace')
    const sizes: number[] = []
    let seen = 0
    const r = recordScenario(s, out, {
      frameEvents: 256,
      onEvent: () => {
        seen++
        if (seen % 1000 !== 0) return
        const tmp = tmpFiles()
        expect(tmp).toHaveLength(1)
        expect(existsSync(out)).toBe(false)
        sizes.push(statSync(join(dir, tmp[0]!)).size)
      },
    })
    expect(seen).toBe(r.events)
    expect(sizes).toHaveLength(40)
    // every 1000 events, at least three more 256-event frames are on disk
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeGreaterThan(sizes[i - 1]!)
    expect(tmpFiles()).toEqual([])
    expect(existsSync(out)).toBe(true)
  })

  it('the sink gets one scratch event per type on the hot paths (nothing is allocated or kept per event)', () => {
    const s = parseScenario(STORM, 'storm-small.scenario')
    const objects = new Map<string, Set<MmEvent>>()
    let n = 0
    recordScenario(s, join(dir, 'scratch.mmtrace'), {
      onEvent: (e) => {
        n++
        let set = objects.get(e.type)
        if (set === undefined) objects.set(e.type, (set = new Set()))
        if (set.size < 10) set.add(e)
      },
    })
    expect(n).toBe(40480)
    for (const t of ['folio/allocated', 'folio/freed', 'rmap/newAnonAdded', 'rmap/removed', 'rmap/anonDuplicated']) expect(objects.get(t)?.size).toBe(1)
  })

  it('a run that fails half-way leaves neither the output nor a temporary file', () => {
    const s = parseScenario(STORM, 'storm-small.scenario')
    const out = join(dir, 'failed.mmtrace')
    let n = 0
    expect(() => recordScenario(s, out, {
      frameEvents: 256,
      onEvent: () => {
        if (++n === 5000) throw new Error('interrupted')
      },
    })).toThrow('interrupted')
    expect(existsSync(out)).toBe(false)
    expect(tmpFiles()).toEqual([])
  })
})
