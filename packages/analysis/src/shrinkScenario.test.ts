import { describe, expect, test } from 'vitest'
import { parseScenario, printScenario, type ParsedScenario, type Statement } from '@mmsim/kernel'
import { brokenPmdSplit, corpusScenario } from './corpusScenario.testkit.ts'
import { divergenceInteresting, scenarioDivergence } from './divergenceInteresting.ts'
import { shrinkScenario } from './shrinkScenario.ts'

const body = (s: ParsedScenario): Statement[] => s.statements.filter((st) => st.op !== 'scenario')

/** without - @s with body statement @i removed, or null when that does not parse. */
function without(s: ParsedScenario, i: number): ParsedScenario | null {
  const sts = s.statements.filter((st) => st !== body(s)[i])
  try {
    return parseScenario(printScenario(sts), s.file)
  } catch {
    return null
  }
}

describe('shrinkScenario', () => {
  test('shrinks cow-pte-mapped-thp to the few statements that make the broken plugin diverge, 1-minimal', async () => {
    const a = await brokenPmdSplit()
    const s = corpusScenario('cow-pte-mapped-thp')
    const interesting = divergenceInteresting(a, { truth: true }, 'folioMapcount')
    const r = await shrinkScenario(s, interesting)
    // what is needed: a 2M anon mapping, THP allowed, a write faulting the THP in, and a PMD split
    // (mprotect of part of it); fork, the child's COW and the checks go
    const ops = body(r.scenario).map((st) => st.op)
    expect(ops).toEqual(['mmap', 'madvise', 'write', 'mprotect'])
    expect(parseScenario(r.text, 'min.scenario').statements.length).toBe(r.scenario.statements.length)
    const d = await scenarioDivergence(r.scenario, a, { truth: true })
    expect(d.divergence).toMatchObject({ query: 'folioMapcount', a: 513, b: 512 })
    expect(d.divergence!.event.type).toBe('pmd/remapped')
    // 1-minimal: no single statement can go
    for (let i = 0; i < body(r.scenario).length; i++) {
      const c = without(r.scenario, i)
      expect(c === null ? false : await interesting(c)).toBe(false)
    }
  })

  test('a structural predicate: forks take their child along, sizes and ranges shrink', async () => {
    // interesting: some process writes at least 8K somewhere while another process is live
    const s = parseScenario(
      ['scenario t', 'p0 mmap A 64K anon private', 'p0 mmap B 2M anon private', 'p0 write B', 'p0 fork p1', 'p1 write A', 'p1 fork p2', 'p2 read A', 'p0 write A', 'check', ''].join('\n'),
      't.scenario',
    )
    const r = await shrinkScenario(s, (c) => {
      let live = 1
      let ok = false
      for (const st of c.statements) {
        if (st.op === 'fork') live++
        if (st.op === 'write' && st.range.length >= 8192 && live > 1) ok = true
      }
      return ok
    })
    // B, p2 (with its read) and the check go; A shrinks from 64K to the 8K the predicate needs
    const sts = body(r.scenario)
    expect(sts.map((st) => st.op)).toEqual(['mmap', 'fork', 'write'])
    expect(sts[0]).toMatchObject({ name: 'A', size: 8192 })
    expect(sts[2]).toMatchObject({ range: { mapping: 'A', offset: 0, length: 8192 } })
  })

  test('a scenario that is not interesting to begin with is refused', async () => {
    const s = corpusScenario('cow-pte-mapped-thp')
    await expect(shrinkScenario(s, () => false)).rejects.toThrow(/not interesting/)
  })
})
