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
// ground truth — so these pin the bytes to what record always wrote.
const BEFORE: Record<string, string> = {
  './traces/scenarios/fork-cow-pmd-thp.scenario': 'ac8fe2ff54a54e43c697e92cb011b0be85693cc8715ba30c7525b5ca1b723a80',
  './traces/scenarios/cow-mthp-64K-child-writes.scenario': '49e283cb2acd07c5e924902a4eb85b4fde9356096c2a2278996de0c4280c6c74',
  './traces/scenarios/file-private-fork-cow.scenario': '45d5088256f7932f96f3985c8bd43873657dd8b00e56a6359c3bdeffc6697a61',
  './traces/scenarios/fork-chain-ten-processes.scenario': 'b88da01424b94145435afac0ca36e18d43aeb1c5d17017c41dc67daca673fd2a',
  './traces/scenarios/hugetlb-2M-private-fork.scenario': 'b1efacac1829e1612be6daf2f6101b5111eb9e1b2be721a4d5d912402956c679',
  './traces/scenarios/shmem-thp-always-shared-fork.scenario': '148782ad7c9ec16c61e3abb3addc0bfdb80897c158945e51ad4a8c3e4c4975d2',
  './traces/scenarios/thp-fork-then-child-dontneed-half.scenario': 'd647a53376d3a6d13d81a18fc91613cfb519895e3c834e6705da24fea8bffd46',
  './traces/scenarios/collapse-after-fork.scenario': 'f99fcec9b7b73a8ab352876c704ff1474f1b4a5838f47a46dc2b497ed99a0479',
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
const STORM_SHA = 'a3bc7069b5a4066488180fb9578fa7db4eb36c63e97ad71b652ca9fcd2d2ea33'

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
