import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { printScenario } from '../scenario/printScenario.ts'
import { differentialScenario } from './differentialScenario.ts'

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1)

describe('differentialScenario', () => {
  it('is deterministic per seed, and different seeds give different scenarios', () => {
    for (const s of [1, 2, 77, 4_000_000_000]) expect(differentialScenario(s).text).toBe(differentialScenario(s).text)
    const texts = new Set(SEEDS.map((s) => differentialScenario(s).text.split('\n').slice(1).join('\n')))
    expect(texts.size).toBeGreaterThan(SEEDS.length * 0.9)
  })

  it('every generated scenario parses, is named after its seed, ends in a check and prints back to itself', () => {
    for (const s of SEEDS) {
      const { text, parsed } = differentialScenario(s)
      expect(parsed.name).toBe(`difftest-${s}`)
      expect(parsed.statements.at(-1)!.op).toBe('check')
      const again = parseScenario(printScenario(parsed.statements), 'printed.scenario')
      expect(again.statements, text).toEqual(parsed.statements)
    }
  })

  it('covers the language: every mapping kind, both sharings, fork, exit, COW writes, madvise, mprotect, munmap, punch, continue, knobs', () => {
    const all = SEEDS.map((s) => differentialScenario(s).parsed.statements).flat()
    const ops = new Set(all.map((st) => st.op))
    for (const op of ['set', 'mmap', 'read', 'write', 'fork', 'exit', 'madvise', 'mprotect', 'munmap', 'punch', 'continue', 'check']) expect(ops, op).toContain(op)
    const kinds = new Set(all.flatMap((st) => (st.op === 'mmap' ? [`${st.kind} ${st.sharing}`] : [])))
    for (const k of ['anon private', 'anon shared', 'shmem private', 'shmem shared', 'file private', 'file shared', 'hugetlb2M shared', 'hugetlb2M private']) expect(kinds, k).toContain(k)
    const knobs = new Set(all.flatMap((st) => (st.op === 'set' ? [st.knob] : [])))
    for (const k of ['thp', 'thp.size', 'shmem_thp', 'shmem_thp.size', 'hugetlb']) expect(knobs, k).toContain(k)
    const advice = new Set(all.flatMap((st) => (st.op === 'madvise' ? [st.advice] : [])))
    for (const a of ['hugepage', 'dontneed', 'free', 'pageout', 'cold', 'collapse', 'remove', 'populate_write']) expect(advice, a).toContain(a)
    // a write by a forked child (a COW fault) happens in some scenario
    expect(all.some((st) => st.op === 'write' && st.proc !== 'p0')).toBe(true)
  })
})
