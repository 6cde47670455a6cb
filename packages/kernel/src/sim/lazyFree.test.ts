import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { NotModelled } from './simContext.ts'
import { simulateScenario } from './simulateScenario.ts'

const run = (lines: string[]) => simulateScenario(parseScenario(lines.join('\n'), 't.scenario'))
const pages = (r: ReturnType<typeof run>, check: number) => r.observation.checks[check]!.procs.p0!.A!

// MADV_FREE then MADV_PAGEOUT without swap (issue 12 class 2), worked out from mm/madvise.c, mm/rmap.c and
// mm/vmscan.c (lazyFree.ts); the corpus scenarios lazyfree-pageout-* hold the live observations
describe('lazy-free anon folios under MADV_PAGEOUT', () => {
  it('discards clean lazy-free 4K pages: they read back as the zero page, the others keep their data', () => {
    const r = run(['p0 mmap A 16K anon private', 'p0 write A', 'p0 madvise A[0+8K] free', 'p0 madvise A pageout', 'check', 'p0 read A', 'check'])
    expect(pages(r, 0).map((p) => p.present)).toEqual([false, false, true, true])
    expect(pages(r, 1).map((p) => p.present && p.zero)).toEqual([true, true, false, false])
  })

  it('keeps a lazy-free mTHP that was written again whole and mapped; the clean one goes', () => {
    const r = run(['set thp.64K=always', 'p0 mmap A 128K anon private', 'p0 write A', 'p0 madvise A free', 'p0 write A[4K+4K]', 'p0 madvise A pageout', 'check'])
    const a = pages(r, 0)
    expect(a.slice(0, 16).every((p) => p.present && p.order === 4)).toBe(true)
    expect(a.slice(16).every((p) => !p.present)).toBe(true)
  })

  it('a page written after MADV_FREE is dirty again in smaps', () => {
    const r = run(['p0 mmap A 16K anon private', 'p0 write A', 'p0 madvise A free', 'p0 write A[0+4K]', 'check smaps'])
    expect(r.observation.checks[0]!.smaps!.p0!.A).toMatchObject({ Private_Clean: 12, Private_Dirty: 4 })
  })

  it('without MADV_FREE a pageout still splits a PMD THP into mapped order-0 pages', () => {
    const r = run(['p0 mmap A 2M anon private', 'p0 madvise A hugepage', 'p0 write A', 'p0 madvise A pageout', 'check'])
    expect(pages(r, 0).every((p) => p.present && p.order === 0)).toBe(true)
  })

  it('refuses the pageout of a page made lazy-free while a child mapped it too', () => {
    let err: unknown
    try {
      run(['p0 mmap A 4K anon private', 'p0 write A', 'p0 fork p1', 'p0 madvise A free', 'p1 exit', 'p0 madvise A pageout', 'check'])
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NotModelled)
    expect((err as NotModelled).userMessage).toMatch(/^t\.scenario:6: not modelled: MADV_PAGEOUT of a lazy-free/)
  })
})
