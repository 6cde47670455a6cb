import { assertNever, mulberry32 } from '@mmsim/core'
import { parseScenario, type ParsedScenario } from '../scenario/parseScenario.ts'

/** WideMapping - a mapping as the generator knows it: kind, sharing, size, skew. */
interface WideMapping {
  kind: 'anon' | 'shmem' | 'file' | 'hugetlb2M'
  sharing: 'private' | 'shared'
  size: number
}

const PAGE = 4096
const K = 1024
const M = 1 << 20
const HPAGE = 2 * M
/** the live runner has 48 process slots; the wide mix forks at most this many times */
const MAX_FORKS = 5
const kib = (bytes: number): string => `${bytes / 1024}K`

/**
 * differentialScenarioWide - the scenario of seed @seed in the *wide* mix (`mmsim difftest --mix wide`), a
 * superset of differentialScenario()'s surface for what that mix never writes: up to three mappings of 16K to
 * 8M (4K and 64K skews too), two anon mTHP sizes from 16K to 1M and per-size shmem knobs, `mremap` of a range
 * to a fresh name (then touched, forked, unmapped like any other), `dontfork`/`dofork` before a fork, `pin` /
 * `unpin` of page-cache ranges, `hugepage`/`nohugepage` after the first faults, HVO on HugeTLB pools with
 * `check vmemmap`, `check smaps`, and up to five forks. Each process's names are tracked (a child inherits its
 * parent's, `mremap` adds one to its process only), so every statement names a mapping its process has and
 * every scenario parses. Deterministic: the same seed gives the same text; the name is `difftest-wide-SEED`.
 * @long: the *long* mix (`--mix long`, `difftest-long-SEED`): 4 to 19 steps instead of 4 to 11, shmem_thp
 * deny/force and the per-size 2M knobs too (found the shmem pageout and continue-dirty bugs of 4 Dec 2026).
 * HugeTLB 1G is left out: this machine's 1G pages come from above ~7.9 GiB, where struct pages read blank.
 * @returns the scenario's text and its parse
 */
export function differentialScenarioWide(seed: number, long = false): { text: string; parsed: ParsedScenario } {
  const rnd = mulberry32(seed ^ (long ? 0x10a6 : 0x5eed1de))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const chance = (p: number): boolean => rnd() < p
  const name = `difftest-${long ? 'long' : 'wide'}-${seed}`
  const lines = [`scenario ${name}`]
  const body: string[] = []
  const mappings = new Map<string, WideMapping>()
  let nextName = 0
  const freshName = (): string => String.fromCharCode(65 + nextName++)
  const nMaps = 1 + Math.floor(rnd() * 3)
  const own: string[] = []
  for (let i = 0; i < nMaps; i++) {
    const kind = pick(['anon', 'anon', 'anon', 'shmem', 'shmem', 'file', 'hugetlb2M'] as const)
    const sharing = kind === 'anon' ? (chance(0.2) ? 'shared' : 'private') : chance(0.5) ? 'shared' : 'private'
    const size = kind === 'hugetlb2M' ? HPAGE * pick([1, 1, 2, 3]) : pick([16 * K, 64 * K, 256 * K, M, 2 * M, 2 * M, 4 * M, 8 * M])
    const skew = kind === 'hugetlb2M' || chance(0.7) ? 0 : pick([4 * K, 16 * K, 64 * K, M])
    const n = freshName()
    mappings.set(n, { kind, sharing, size })
    own.push(n)
    body.push(`p0 mmap ${n} ${kib(size)} ${kind} ${sharing}${skew ? ` skew=${kib(skew)}` : ''}`)
  }
  const all = [...mappings.values()]
  lines.push(`set thp=${pick(['always', 'madvise', 'madvise', 'never'])}`)
  const mthp = long ? ['16K', '32K', '64K', '128K', '256K', '512K', '1024K', '2M'] : ['16K', '32K', '64K', '128K', '256K', '512K', '1024K']
  for (let i = 0, n = chance(0.5) ? 1 + Math.floor(rnd() * 2) : 0; i < n; i++) {
    lines.push(`set thp.${pick(mthp)}=${pick(['always', 'inherit', 'madvise', 'never'])}`)
  }
  if (all.some((m) => m.kind === 'shmem' || (m.kind === 'anon' && m.sharing === 'shared'))) {
    if (!long) {
      lines.push(`set shmem_thp=${pick(['always', 'advise', 'never', 'within_size'])}`)
      if (chance(0.4)) lines.push(`set shmem_thp.${pick(['16K', '64K', '256K', '1024K'])}=${pick(['always', 'advise', 'inherit', 'within_size'])}`)
    } else {
      const policy = pick(['always', 'advise', 'never', 'within_size', 'always', 'advise', 'deny', 'force'])
      lines.push(`set shmem_thp=${policy}`)
      // under force only 2M may inherit (contract v1.1 item 10): the other sizes get an explicit policy there
      if (chance(0.4)) lines.push(`set shmem_thp.${pick(['16K', '64K', '256K', '1024K', '2M'])}=${pick(policy === 'force' ? ['always', 'advise', 'within_size'] : ['always', 'advise', 'inherit', 'within_size'])}`)
    }
  }
  const hugetlbPages = all.filter((m) => m.kind === 'hugetlb2M').reduce((n, m) => n + m.size / HPAGE, 0)
  const hugetlb = hugetlbPages > 0
  if (hugetlb) {
    lines.push(`set hugetlb.2M=${hugetlbPages * 2 + (chance(0.2) ? 0 : 1)}`)
    if (chance(0.4)) lines.push('set hvo=on')
  }

  // the names each live process has (a child gets a copy of its parent's at fork)
  const names = new Map<string, string[]>([['p0', own]])
  let nextProc = 1
  let forks = 0
  const range = (n: string): string => {
    const m = mappings.get(n)!
    const unit = m.kind === 'hugetlb2M' && !chance(0.1) ? HPAGE : PAGE
    const units = m.size / unit
    if (chance(0.3)) return n
    const off = Math.floor(rnd() * units)
    const len = 1 + Math.floor(rnd() * Math.min(units - off, unit === PAGE ? pick([16, 64, 512]) : units))
    return `${n}[${kib(off * unit)}+${kib(len * unit)}]`
  }
  /** a range of @n as [offset, length] in bytes, aligned for its kind, for mremap */
  const moveRange = (n: string): [number, number] => {
    const m = mappings.get(n)!
    const unit = m.kind === 'hugetlb2M' ? HPAGE : PAGE
    const units = m.size / unit
    if (chance(0.3)) return [0, m.size]
    const off = Math.floor(rnd() * units)
    const len = 1 + Math.floor(rnd() * (units - off))
    return [off * unit, len * unit]
  }
  const check = (): string => (chance(0.15) ? 'check smaps' : hugetlb && chance(0.2) ? 'check vmemmap' : 'check')
  const pinned = new Set<string>()

  for (const n of own) {
    const m = mappings.get(n)!
    if (m.kind !== 'hugetlb2M' && chance(0.5)) body.push(`p0 madvise ${n} ${pick(['hugepage', 'hugepage', 'nohugepage'])}`)
    body.push(`p0 ${chance(0.8) ? 'write' : 'read'} ${chance(0.7) ? n : range(n)}`)
  }
  if (chance(0.5)) body.push(check())
  const steps = 4 + Math.floor(rnd() * (long ? 16 : 8))
  for (let i = 0; i < steps; i++) {
    const p = pick([...names.keys()])
    const mine = names.get(p)!
    const n = pick(mine)
    const m = mappings.get(n)!
    const file = m.kind !== 'anon'
    const op = pick(['fork', 'fork', 'write', 'write', 'write', 'read', 'madvise', 'madvise', 'mprotect', 'munmap', 'mremap', 'punch', 'continue', 'pin', 'exit', 'check'] as const)
    switch (op) {
      case 'fork': {
        if (forks >= MAX_FORKS) continue
        forks++
        if (chance(0.2)) body.push(`${p} madvise ${range(n)} ${pick(['dontfork', 'dofork'])}`)
        const child = `p${nextProc++}`
        body.push(`${p} fork ${child}`)
        names.set(child, [...mine])
        break
      }
      case 'write':
      case 'read':
        body.push(`${p} ${op === 'write' || chance(0.3) ? 'write' : 'read'} ${range(n)}`)
        break
      case 'madvise': {
        const advice = pick(
          file
            ? (['dontneed', 'pageout', 'cold', 'collapse', 'remove', 'populate_read', 'populate_write', 'free', 'hugepage'] as const)
            : (['dontneed', 'dontneed', 'free', 'pageout', 'cold', 'collapse', 'populate_read', 'populate_write', 'hugepage', 'nohugepage'] as const),
        )
        body.push(`${p} madvise ${range(n)} ${advice}`)
        break
      }
      case 'mprotect':
        body.push(`${p} mprotect ${range(n)} ${chance(0.6) ? 'ro' : 'rw'}`)
        break
      case 'munmap':
        body.push(`${p} munmap ${range(n)}`)
        break
      case 'mremap': {
        if (nextName >= 26) continue
        const [off, len] = moveRange(n)
        const to = freshName()
        mappings.set(to, { kind: m.kind, sharing: m.sharing, size: len })
        mine.push(to)
        body.push(`${p} mremap ${off === 0 && len === m.size ? n : `${n}[${kib(off)}+${kib(len)}]`} ${to}`)
        if (chance(0.6)) body.push(`${p} ${chance(0.7) ? 'write' : 'read'} ${range(to)}`)
        break
      }
      case 'punch':
        if (!file) continue
        body.push(`${p} punch ${range(n)}`)
        break
      case 'continue':
        if (!(m.sharing === 'shared' && (m.kind === 'shmem' || m.kind === 'hugetlb2M'))) continue
        body.push(`${p} continue ${range(n)}`)
        break
      case 'pin':
        if (pinned.has(p) && chance(0.6)) {
          body.push(`${p} unpin`)
          pinned.delete(p)
        } else if (m.kind === 'shmem' || m.kind === 'file') {
          body.push(`${p} pin ${range(n)}`)
          pinned.add(p)
        } else continue
        break
      case 'exit':
        if (p === 'p0') continue
        body.push(`${p} exit`)
        names.delete(p)
        pinned.delete(p)
        break
      case 'check':
        body.push(check())
        break
      default:
        assertNever(op, 'generator op')
    }
    if (chance(0.25)) body.push(check())
  }
  body.push(check())
  const isCheck = (l: string | undefined): boolean => l !== undefined && l.startsWith('check')
  const text = [...lines, ...body.filter((l, i) => !(isCheck(l) && isCheck(body[i + 1])))].join('\n') + '\n'
  return { text, parsed: parseScenario(text, `${name}.scenario`) }
}
