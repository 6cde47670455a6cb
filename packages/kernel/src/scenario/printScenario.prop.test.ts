import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { refusedKnobCombination } from './knobCombination.ts'
import { parseScenario } from './parseScenario.ts'
import { printScenario } from './printScenario.ts'
import { ScenarioScope } from './scenarioScope.ts'
import { ADVICES, type MappingKind, type Statement } from './statements.ts'
import { MAX_CHECK_PAGES, MAX_FORKS } from './scenarioLimits.ts'

const K = 4096
const M = 1 << 20
const KINDS: MappingKind[] = ['anon', 'shmem', 'file', 'hugetlb2M', 'hugetlb1G']

/** Build a valid statement list from a stream of random choices (a tiny model of the scope rules). */
function build(choices: number[][], header: number[][]): Statement[] {
  const out: Statement[] = []
  let line = 1
  const next = (c: number): number => (line += 1 + (c % 3))
  for (const [a = 0, b = 0, c = 0] of header) {
    const size = (8 * 1024) << (b % 9)
    const variants: Statement[] = [
      { op: 'set', line: 0, knob: 'thp', value: (['always', 'madvise', 'never'] as const)[b % 3]! },
      { op: 'set', line: 0, knob: 'thp.size', size, value: (['always', 'inherit', 'madvise', 'never'] as const)[c % 4]! },
      { op: 'set', line: 0, knob: 'shmem_thp', value: (['always', 'within_size', 'advise', 'never', 'deny', 'force'] as const)[b % 6]! },
      { op: 'set', line: 0, knob: 'shmem_thp.size', size, value: (['always', 'inherit', 'within_size', 'advise', 'never'] as const)[c % 5]! },
      { op: 'set', line: 0, knob: 'hugetlb', size: c % 2 ? 2 * M : 1024 * M, value: c % 2 ? b : b % 65 },
      { op: 'set', line: 0, knob: 'hvo', value: c % 2 === 0 },
    ]
    out.push({ ...variants[a % variants.length]!, line: next(c) })
  }
  // shmem_thp=force with a per-size inherit below 2M is a scenario error (contract v1.1 item 10):
  // such a header gets `always` instead of `force`
  if (refusedKnobCombination(out) !== null) for (const st of out) if (st.op === 'set' && st.knob === 'shmem_thp' && st.value === 'force') st.value = 'always'
  const scope = new ScenarioScope()
  let names = 0
  let forks = 0
  for (const [a = 0, b = 0, c = 0, d = 0] of choices) {
    const procs = scope.liveProcs()
    if (procs.length === 0) break
    const proc = procs[b % procs.length]!
    const maps = [...scope.mappings(proc).values()]
    const m = maps.length ? maps[c % maps.length]! : null
    const unit = m?.kind === 'hugetlb2M' ? 2 * M : m?.kind === 'hugetlb1G' ? 1024 * M : K
    const pages = m ? m.size / unit : 0
    const off = (d % Math.max(pages, 1)) * unit
    const len = (1 + (c % Math.max(pages - off / unit, 1))) * unit
    const range = m ? { mapping: m.name, offset: off, length: len } : null
    const ln = next(d)
    let st: Statement
    switch (a % 12) {
      case 0: {
        const kind = KINDS[c % KINDS.length]!
        const u = kind === 'hugetlb2M' ? 2 * M : kind === 'hugetlb1G' ? 1024 * M : K
        st = { op: 'mmap', line: ln, proc, name: `M${names++}`, size: (1 + (d % (kind === 'hugetlb1G' ? 8 : 600))) * u, kind, sharing: b % 2 ? 'shared' : 'private', skew: kind === 'hugetlb1G' ? 0 : (d % 5) * u }
        break
      }
      case 1:
        st = { op: 'fork', line: ln, proc, child: `p${(d % 7) + 1}` }
        if (scope.procs.has(st.child) || forks >= MAX_FORKS) continue
        forks++
        break
      case 2:
        if (proc === 'p0' && d % 4) continue
        st = { op: 'exit', line: ln, proc }
        break
      case 3:
        // a check reports every page of every live mapping: at most MAX_CHECK_PAGES (a scenario limit)
        if (livePages(scope) > MAX_CHECK_PAGES) continue
        // `check [vmemmap] [smaps]`: smaps ([extension]) on every third
        st = d % 3 === 0 ? { op: 'check', line: ln, vmemmap: d % 2 === 0, smaps: true } : { op: 'check', line: ln, vmemmap: d % 2 === 0 }
        break
      case 4:
        if (!range) continue
        st = { op: 'madvise', line: ln, proc, range, advice: ADVICES[d % ADVICES.length]! }
        break
      case 5:
        if (!range) continue
        st = { op: 'mremap', line: ln, proc, range, target: `R${names++}` }
        break
      case 6:
        if (!range) continue
        st = { op: 'mprotect', line: ln, proc, range, prot: d % 2 ? 'ro' : 'rw' }
        break
      default: {
        if (!range) continue
        const op = (['munmap', 'read', 'write', 'punch', 'continue'] as const)[a % 5]!
        if (op === 'punch' && m?.kind === 'anon') continue
        st = { op, line: ln, proc, range }
      }
    }
    scope.apply(st)
    out.push(st)
  }
  return out
}

/** livePages - the 4K pages of every live process's mappings (what a check would report). */
function livePages(scope: ScenarioScope): number {
  let n = 0
  for (const p of scope.liveProcs()) for (const m of scope.mappings(p).values()) n += m.size / K
  return n
}

const step = fc.array(fc.nat(1000), { minLength: 4, maxLength: 4 })

test.prop([fc.array(step, { maxLength: 60 }), fc.array(step, { maxLength: 6 })], { numRuns: 300 })(
  'print then parse gives the same statements',
  (choices, header) => {
    const statements = build(choices, header)
    const text = printScenario(statements)
    expect(parseScenario(text, 'prop.scenario').statements).toEqual(statements)
  },
)

test.prop([fc.array(step, { maxLength: 40 })])('printing is canonical: parse then print is a fixpoint', (choices) => {
  const text = printScenario(build(choices, []))
  expect(printScenario(parseScenario(text, 'x').statements)).toBe(text)
})
