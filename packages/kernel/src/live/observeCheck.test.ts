import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { ScenarioScope } from '../scenario/scenarioScope.ts'
import { canonicalJson } from './observation.ts'
import { InvalidObservation, observeCheck, slotAddress } from './observeCheck.ts'
import type { RawPage, RunnerClient } from './runnerClient.ts'

const P = 1n << 63n
const X = 1n << 56n
const ANON = 1n << 12n
const HEAD = 1n << 15n
const HUGE = 1n << 17n
const THP = 1n << 22n
const ZERO = 1n << 24n

function scopeOf(text: string): ScenarioScope {
  const scope = new ScenarioScope()
  for (const st of parseScenario(text, 't').statements) scope.apply(st)
  return scope
}

/** A fake runner answering `pm` from a table keyed by `slot:address`. */
function fakeRunner(pages: Record<string, RawPage[]>): RunnerClient {
  return { pages: async (slot: number, addr: number, n: number) => (pages[`${slot}:${addr}`] ?? []).slice(0, n) } as unknown as RunnerClient
}

const present = (pfn: number, flags: bigint, head: number, nrPages: number, count = 1, excl = true): RawPage => ({
  present: true,
  pagemap: P | (excl ? X : 0n) | BigInt(pfn),
  pfn,
  count,
  flags,
  head,
  nrPages,
})

describe('observeCheck', () => {
  it('labels folios by first appearance across processes and mappings, zero pages get null', async () => {
    const scope = scopeOf('p0 mmap B 8K anon private\np0 mmap A 12K anon private\np0 fork p1\n')
    // A is slot 1, B slot 0; mappings are walked by name (A before B)
    const a = [present(700, ANON | THP | HEAD, 700, 16, 2, false), present(701, ANON | THP, 700, 16, 2, false), { present: false as const, pagemap: 0n }]
    const b = [present(5, ZERO, 5, 1, 0, false), present(900, ANON, 900, 1)]
    const runner = fakeRunner({
      [`0:${slotAddress(1, 0)}`]: a,
      [`0:${slotAddress(0, 0)}`]: b,
      [`1:${slotAddress(1, 0)}`]: a,
      [`1:${slotAddress(0, 0)}`]: [present(901, ANON, 901, 1), present(900, ANON, 900, 1)],
    })
    const c = await observeCheck(runner, scope, new Map([['p0', 0], ['p1', 1]]), 7)
    expect(Object.keys(c.procs.p0!)).toEqual(['A', 'B'])
    expect(c.procs.p0!.A![0]).toEqual({ off: 0, present: true, folio: 0, order: 4, mapcount: 2, exclusive: false, anon: true, thp: true, hugetlb: false, zero: false })
    expect(c.procs.p0!.A![2]).toEqual({ off: 8192, present: false })
    expect(c.procs.p0!.B!.map((p) => (p.present ? p.folio : 'x'))).toEqual([null, 1])
    expect(c.procs.p1!.B!.map((p) => (p.present ? p.folio : 'x'))).toEqual([2, 1])
  })

  it('takes a HugeTLB folio from the mapping geometry, not the (HVO fake-head) flag walk', async () => {
    const scope = scopeOf('p0 mmap H 2M hugetlb2M shared\n')
    const raw = Array.from({ length: 512 }, (_, i) => present(0x200000 + i, HUGE | (i % 64 === 0 ? HEAD : 0n), 0x200000 + i - (i % 64), 64))
    const c = await observeCheck(fakeRunner({ [`0:${slotAddress(0, 0)}`]: raw }), scope, new Map([['p0', 0]]), 1)
    const pages = c.procs.p0!.H!
    expect(new Set(pages.map((p) => (p.present ? `${p.folio}/${p.order}` : '')))).toEqual(new Set(['0/9']))
  })

  it('rejects a present page with blank kpageflags (uninitialized struct page)', async () => {
    const scope = scopeOf('p0 mmap A 4K anon private\n')
    const runner = fakeRunner({ [`0:${slotAddress(0, 0)}`]: [present(0x300000, 0n, 0x300000, 1, 0)] })
    await expect(observeCheck(runner, scope, new Map([['p0', 0]]), 1)).rejects.toBeInstanceOf(InvalidObservation)
  })

  it('canonicalJson orders processes numerically and mappings byte-wise', () => {
    const text = canonicalJson({
      format: 'mmsim-observations/1',
      scenario: 's',
      source: 'kernel',
      detail: 'd',
      refused: [{ line: 3, op: 'madvise', errno: 'EINVAL' }],
      checks: [{ line: 4, procs: { p10: { a: [], B: [] }, p2: {} } }],
    })
    expect(text.indexOf('"p2"')).toBeLessThan(text.indexOf('"p10"'))
    expect(text.indexOf('"B"')).toBeLessThan(text.indexOf('"a"'))
    expect(JSON.parse(text).refused).toEqual([{ line: 3, op: 'madvise', errno: 'EINVAL' }])
  })
})
