import { mulberry32 } from '@mmsim/core'
import { parseScenario, type ParsedScenario } from '../scenario/parseScenario.ts'

interface Mapping {
  name: string
  kind: 'anon' | 'shmem' | 'file' | 'hugetlb2M'
  sharing: 'private' | 'shared'
  size: number
}

const PAGE = 4096
const K = 1024
const M = 1 << 20
/** kib - @bytes in the language's K unit (1024 bytes). */
const kib = (bytes: number): string => `${bytes / 1024}K`

/**
 * differentialScenario - the scenario of differential-test seed @seed: a realistic test over the
 * language's surface, as a kernel developer would write one — a header of THP / anon mTHP / shmem
 * (per-size) knobs and a HugeTLB pool when needed, one or two mappings (anon, shmem, file, hugetlb2M;
 * private or shared; 64K to 4M, sometimes skewed), then faults (MADV_HUGEPAGE first or not), fork, COW
 * writes in parent or child, madvise (dontneed, free, pageout, cold, collapse, populate, remove),
 * mprotect, munmap, punch, UFFDIO_CONTINUE, exits, with a `check` after the interesting steps and at
 * the end. Ranges are page-aligned and inside their mapping, names are fresh, processes live: every
 * scenario parses. Deterministic: the same seed gives the same text.
 * @returns the scenario's text (first line `scenario difftest-SEED`) and its parse
 */
export function differentialScenario(seed: number): { text: string; parsed: ParsedScenario } {
  const rnd = mulberry32(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const chance = (p: number): boolean => rnd() < p
  const lines = [`scenario difftest-${seed}`]
  const body: string[] = []
  const maps: Mapping[] = []
  const nMaps = chance(0.35) ? 2 : 1
  for (let i = 0; i < nMaps; i++) {
    const kind = pick(['anon', 'anon', 'anon', 'shmem', 'shmem', 'file', 'hugetlb2M'] as const)
    const sharing = kind === 'anon' ? (chance(0.2) ? 'shared' : 'private') : chance(0.5) ? 'shared' : 'private'
    const size = kind === 'hugetlb2M' ? 2 * M * (chance(0.3) ? 2 : 1) : pick([64 * K, 256 * K, 2 * M, 2 * M, 4 * M])
    const skew = kind === 'hugetlb2M' || chance(0.8) ? 0 : pick([16 * K, 64 * K, M])
    const name = String.fromCharCode(65 + i)
    maps.push({ name, kind, sharing, size })
    body.push(`p0 mmap ${name} ${kib(size)} ${kind} ${sharing}${skew ? ` skew=${kib(skew)}` : ''}`)
  }
  // header: the knobs this run tests
  lines.push(`set thp=${pick(['always', 'madvise', 'madvise', 'never'])}`)
  if (chance(0.4)) lines.push(`set thp.${pick(['16K', '64K', '128K'])}=${pick(['always', 'inherit', 'madvise'])}`)
  if (maps.some((m) => m.kind === 'shmem' || (m.kind === 'anon' && m.sharing === 'shared'))) {
    lines.push(`set shmem_thp=${pick(['always', 'advise', 'never', 'within_size'])}`)
    if (chance(0.3)) lines.push(`set shmem_thp.${pick(['16K', '64K'])}=${pick(['always', 'advise', 'inherit'])}`)
  }
  const hugetlbPages = maps.filter((m) => m.kind === 'hugetlb2M').reduce((n, m) => n + m.size / (2 * M), 0)
  if (hugetlbPages) lines.push(`set hugetlb.2M=${hugetlbPages * 2 + (chance(0.2) ? 0 : 1)}`)

  const procs = ['p0']
  let nextProc = 1
  let forks = 0
  const range = (m: Mapping): string => {
    const unit = m.kind === 'hugetlb2M' && !chance(0.15) ? 2 * M : PAGE
    const pages = m.size / unit
    if (chance(0.35)) return m.name
    const off = Math.floor(rnd() * pages)
    const len = 1 + Math.floor(rnd() * Math.min(pages - off, unit === PAGE ? 64 : pages))
    return `${m.name}[${kib(off * unit)}+${kib(len * unit)}]`
  }
  for (const m of maps) {
    if (m.kind !== 'hugetlb2M' && chance(0.5)) body.push(`p0 madvise ${m.name} hugepage`)
    body.push(`p0 ${chance(0.8) ? 'write' : 'read'} ${chance(0.7) ? m.name : range(m)}`)
  }
  if (chance(0.5)) body.push('check')
  const steps = 3 + Math.floor(rnd() * 6)
  for (let i = 0; i < steps; i++) {
    const p = pick(procs)
    const m = pick(maps)
    const file = m.kind !== 'anon'
    const r = chance(0.6)
    switch (pick(['fork', 'write', 'write', 'read', 'madvise', 'madvise', 'mprotect', 'munmap', 'punch', 'continue', 'exit', 'check'] as const)) {
      case 'fork':
        if (forks >= 3) continue
        forks++
        body.push(`${p} fork p${nextProc}`)
        procs.push(`p${nextProc++}`)
        break
      case 'write':
      case 'read':
        body.push(`${p} ${r ? 'write' : 'read'} ${range(m)}`)
        break
      case 'madvise': {
        const advice = pick(
          file
            ? (['dontneed', 'pageout', 'cold', 'collapse', 'remove', 'populate_write', 'free'] as const)
            : (['dontneed', 'dontneed', 'free', 'pageout', 'cold', 'collapse', 'populate_read', 'populate_write', 'nohugepage'] as const),
        )
        body.push(`${p} madvise ${range(m)} ${advice}`)
        break
      }
      case 'mprotect':
        body.push(`${p} mprotect ${range(m)} ${chance(0.6) ? 'ro' : 'rw'}`)
        break
      case 'munmap':
        body.push(`${p} munmap ${range(m)}`)
        break
      case 'punch':
        if (!file) continue
        body.push(`${p} punch ${range(m)}`)
        break
      case 'continue':
        if (!(m.sharing === 'shared' && (m.kind === 'shmem' || m.kind === 'hugetlb2M'))) continue
        body.push(`${p} continue ${range(m)}`)
        break
      case 'exit':
        if (p === 'p0') continue
        body.push(`${p} exit`)
        procs.splice(procs.indexOf(p), 1)
        break
      case 'check':
        body.push('check')
        break
    }
    if (chance(0.3)) body.push('check')
  }
  body.push('check')
  const text = [...lines, ...body.filter((l, i) => !(l === 'check' && body[i - 1] === 'check'))].join('\n') + '\n'
  return { text, parsed: parseScenario(text, `difftest-${seed}.scenario`) }
}
