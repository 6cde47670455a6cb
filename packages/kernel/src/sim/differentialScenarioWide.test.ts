import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { printScenario } from '../scenario/printScenario.ts'
import { simulateScenario } from './simulateScenario.ts'
import { differentialScenarioWide } from './differentialScenarioWide.ts'

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1)

describe('differentialScenarioWide', () => {
  it('is deterministic per seed, and different seeds give different scenarios', () => {
    for (const s of [1, 2, 77, 4_000_000_000]) expect(differentialScenarioWide(s).text).toBe(differentialScenarioWide(s).text)
    const texts = new Set(SEEDS.map((s) => differentialScenarioWide(s).text.split('\n').slice(1).join('\n')))
    expect(texts.size).toBeGreaterThan(SEEDS.length * 0.9)
  })

  it('every generated scenario parses, is named after its seed, ends in a check and prints back to itself', () => {
    for (const s of SEEDS) {
      const { text, parsed } = differentialScenarioWide(s)
      expect(parsed.name).toBe(`difftest-wide-${s}`)
      expect(parsed.statements.at(-1)!.op).toBe('check')
      const again = parseScenario(printScenario(parsed.statements), 'printed.scenario')
      expect(again.statements, text).toEqual(parsed.statements)
    }
  })

  it('covers what the base mix never writes: mremap, dontfork/dofork, pin/unpin, check smaps/vmemmap, hvo, mTHP up to 1M, 8M mappings', () => {
    const all = SEEDS.map((s) => differentialScenarioWide(s).parsed.statements).flat()
    const ops = new Set(all.map((st) => st.op))
    for (const op of ['set', 'mmap', 'read', 'write', 'fork', 'exit', 'madvise', 'mprotect', 'munmap', 'mremap', 'punch', 'continue', 'pin', 'unpin', 'check']) expect(ops, op).toContain(op)
    const advice = new Set(all.flatMap((st) => (st.op === 'madvise' ? [st.advice] : [])))
    for (const a of ['hugepage', 'nohugepage', 'dontfork', 'dofork', 'dontneed', 'free', 'pageout', 'cold', 'collapse', 'remove', 'populate_read', 'populate_write']) expect(advice, a).toContain(a)
    const texts = SEEDS.map((s) => differentialScenarioWide(s).text).join('\n')
    for (const t of ['check smaps', 'check vmemmap', 'set hvo=on', 'set thp.1024K=', 'set thp.32K=', ' 8192K ', 'skew=4K']) expect(texts, t).toContain(t)
  })

  it('the long mix: its own names and texts, longer, with the knobs the wide mix leaves out; the wide mix is unchanged by it', () => {
    const long = SEEDS.map((s) => differentialScenarioWide(s, true))
    expect(long[0]!.parsed.name).toBe('difftest-long-1')
    const steps = (t: string): number => t.split('\n').length
    expect(long.reduce((n, l) => n + steps(l.text), 0)).toBeGreaterThan(SEEDS.reduce((n, s) => n + steps(differentialScenarioWide(s).text), 0))
    const texts = long.map((l) => l.text).join('\n')
    for (const t of ['set shmem_thp=force', 'set shmem_thp=deny', 'set thp.2M=']) expect(texts, t).toContain(t)
    for (const l of long) expect(parseScenario(printScenario(l.parsed.statements), 'p.scenario').statements).toEqual(l.parsed.statements)
  })

  it('the simulated kernel runs most of them (refusals as not modelled are allowed, not internal errors)', () => {
    let ran = 0
    for (const s of SEEDS.slice(0, 100)) {
      try {
        simulateScenario(differentialScenarioWide(s).parsed)
        ran++
      } catch (e) {
        expect((e as { userMessage?: string }).userMessage, `seed ${s}: ${String(e)}`).toMatch(/not modelled|fork/)
      }
    }
    expect(ran).toBeGreaterThan(60)
  })
})
