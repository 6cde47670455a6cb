import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from '@mmsim/core'
import { parseScenario } from '../scenario/parseScenario.ts'
import { NotModelled } from './simContext.ts'
import { simulateScenario } from './simulateScenario.ts'

// [extension] pin/unpin in the simulated kernel (docs/scenario-language.md §8.5). Expected events worked out
// by hand from 6.18's punch path (sim README "Split failures at punch") and checked against the corpus
// scenarios recorded live (test/modelCorpus.test.ts compares their observations).

const ROOT = join(import.meta.dirname, '../../../..')
const run = (text: string, file = 'x.scenario') => simulateScenario(parseScenario(text, file))
const at = (events: readonly MmEvent[], line: number) => events.filter((e) => e.cause === `x.scenario:${line}`)

describe('pin', () => {
  it('corpus shmem-64K-pin-punch-split-fails: the punch emits one folio/splitFailed (EAGAIN, at the hole\'s first page) and no folio/split', () => {
    const file = 'traces/scenarios/shmem-64K-pin-punch-split-fails.scenario'
    const r = simulateScenario(parseScenario(readFileSync(join(ROOT, file), 'utf8'), file))
    const punch = r.events.filter((e) => e.cause === `${file}:12`)
    const failed = punch.filter((e) => e.type === 'folio/splitFailed')
    const head = r.events.find((e) => e.type === 'folio/allocated' && e.kind === 'shmem' && e.order === 4)
    expect(head).toBeDefined()
    const h = (head as { folio: number }).folio
    expect(failed).toEqual([{ type: 'folio/splitFailed', folio: h, page: h + 1, errno: 11, cause: `${file}:12` }])
    expect(punch.filter((e) => e.type === 'folio/split' || e.type === 'folio/freed')).toEqual([])
    // only pages 1 and 2 (the hole) lose their PTEs
    expect(punch.filter((e) => e.type === 'rmap/removed').map((e) => (e as { page: number }).page - h)).toEqual([1, 2])
    expect(r.state.violations).toEqual([])
  })

  it('a folio punched whole while pinned leaves the page cache but is freed only at unpin', () => {
    const r = run('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 64K shmem shared\np0 write A\np0 pin A[0+4K]\np0 punch A\np0 unpin\n')
    expect(at(r.events, 6).filter((e) => e.type === 'folio/freed')).toEqual([])
    const freed = at(r.events, 7).filter((e) => e.type === 'folio/freed')
    expect(freed).toHaveLength(1)
    expect(r.state.violations).toEqual([])
  })

  it('an exit drops the pins of the process; a forked child does not inherit its parent\'s', () => {
    // p0 pins, forks p1, p0 exits: p1 (no pin of its own) punches part of the folio, which now splits
    const r = run('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 64K shmem shared\np0 write A\np0 pin A[0+4K]\np0 fork p1\np0 exit\np1 punch A[4K+4K]\n')
    expect(at(r.events, 8).filter((e) => e.type === 'folio/splitFailed')).toEqual([])
    expect(at(r.events, 8).filter((e) => e.type === 'folio/split').length).toBeGreaterThan(0)
  })

  it('while p0 holds a pin the child\'s punch fails to split', () => {
    const r = run('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 64K shmem shared\np0 write A\np0 pin A[0+4K]\np0 fork p1\np1 punch A[4K+4K]\n')
    expect(at(r.events, 7).map((e) => e.type)).toContain('folio/splitFailed')
  })

  it('madvise pageout over a pinned folio is refused as not modelled, naming the line', () => {
    expect(() => run('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 64K shmem shared\np0 write A\np0 pin A[0+4K]\np0 madvise A pageout\n')).toThrow(NotModelled)
    expect(() => run('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 64K shmem shared\np0 write A\np0 pin A[0+4K]\np0 madvise A pageout\n')).toThrow(/x\.scenario:6: not modelled: madvise pageout of a pinned folio/)
  })
})
