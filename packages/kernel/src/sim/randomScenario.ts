import { ScenarioScope } from '../scenario/scenarioScope.ts'
import type { Advice, MappingKind, Statement } from '../scenario/statements.ts'

const K = 4096
const M = 1 << 20
const KINDS: MappingKind[] = ['anon', 'anon', 'shmem', 'file', 'hugetlb2M']
const SIZES = [16 * K, 64 * K, 2 * M, 4 * M]
const ADVICE: Advice[] = ['hugepage', 'nohugepage', 'dontneed', 'free', 'remove', 'pageout', 'collapse', 'dontfork', 'dofork', 'cold', 'populate_write']

/**
 * randomScenario - a valid scenario (names, ranges, processes) built from random choices: @header
 * picks `set` statements, @body process statements and checks (for property tests).
 */
export function randomScenario(header: number[][], body: number[][]): Statement[] {
  const out: Statement[] = []
  let line = 1
  for (const [a = 0, b = 0] of header) {
    const v: Statement[] = [
      { op: 'set', line, knob: 'thp', value: (['always', 'madvise', 'never'] as const)[b % 3]! },
      { op: 'set', line, knob: 'thp.size', size: [16 * K, 64 * K, 2 * M][b % 3]!, value: (['always', 'inherit', 'madvise', 'never'] as const)[(b >> 2) % 4]! },
      { op: 'set', line, knob: 'shmem_thp', value: (['always', 'advise', 'never', 'within_size'] as const)[b % 4]! },
      { op: 'set', line, knob: 'hugetlb', size: 2 * M, value: b % 5 },
      { op: 'set', line, knob: 'hvo', value: b % 2 === 0 },
    ]
    out.push(v[a % v.length]!)
    line++
  }
  const scope = new ScenarioScope()
  let names = 0
  for (const [a = 0, b = 0, c = 0, d = 0] of body) {
    const procs = scope.liveProcs()
    const proc = procs[b % procs.length]!
    const maps = [...scope.mappings(proc).values()]
    const m = maps.length ? maps[c % maps.length]! : null
    const unit = m?.kind === 'hugetlb2M' && d % 4 !== 0 && m.size % (2 * M) === 0 ? 2 * M : K // HugeTLB ranges are sometimes unaligned
    const pages = m ? m.size / unit : 0
    const off = (d % Math.max(pages, 1)) * unit
    const len = (1 + ((c * 7 + d) % Math.max(pages - off / unit, 1))) * unit
    const range = m ? { mapping: m.name, offset: off, length: len } : null
    let st: Statement
    // mostly touches and advice; an mmap first when the process has no mapping yet
    const op = m === null ? 0 : [0, 0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 4, 5][a % 16]!
    switch (op) {
      case 0: {
        const kind = KINDS[c % KINDS.length]!
        const size = kind === 'hugetlb2M' ? 2 * M * (1 + (d % 2)) : SIZES[d % SIZES.length]!
        const skew = kind === 'hugetlb2M' ? 0 : [0, 16 * K, M][(b + d) % 3]!
        st = { op: 'mmap', line, proc, name: `M${names++}`, size, kind, sharing: b % 2 ? 'shared' : 'private', skew }
        break
      }
      case 1:
        if (procs.length > 3) continue
        st = { op: 'fork', line, proc, child: `p${(d % 5) + 1}` }
        if (scope.procs.has(st.child)) continue
        break
      case 2:
        if (proc === 'p0') continue
        st = { op: 'exit', line, proc }
        break
      case 3:
        st = { op: 'check', line, vmemmap: d % 4 === 0 }
        break
      case 4:
      case 5:
        if (!range) continue
        st = { op: d % 3 ? 'write' : 'read', line, proc, range }
        break
      case 6:
        if (!range) continue
        st = { op: 'madvise', line, proc, range, advice: ADVICE[d % ADVICE.length]! }
        break
      case 7:
        if (!range) continue
        st = { op: 'mprotect', line, proc, range, prot: d % 2 ? 'ro' : 'rw' }
        break
      case 8:
        if (!range) continue
        st = d % 2 ? { op: 'munmap', line, proc, range } : { op: 'mremap', line, proc, range, target: `R${names++}` }
        break
      case 9:
        if (!range || m!.kind === 'anon') continue
        st = { op: d % 2 ? 'punch' : 'continue', line, proc, range }
        break
      default:
        st = { op: 'check', line, vmemmap: false }
    }
    scope.apply(st)
    out.push(st)
    line++
  }
  out.push({ op: 'check', line, vmemmap: false })
  return out
}

