import { trieForEach, trieGet } from '../state/cowTrie.ts'
import type { MmState } from '../state/mmState.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR, PAGES_PER_LEVEL, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { folioAt } from './folioTruth.ts'

/** EntryVisitor - called once per present entry: process, level, first vpn, PFN of the first page mapped. */
export type EntryVisitor = (pid: number, level: 'pte' | 'pmd' | 'pud', vpn: number, pfn: number) => void

/** forEachEntry - visit every present page-table entry of @state, by pid, then level PUD/PMD/PTE in vpn order. */
export function forEachEntry(state: MmState, fn: EntryVisitor): void {
  const pids = Object.keys(state.procs).map(Number).sort((a, b) => a - b)
  for (const pid of pids) {
    const pt = trieGet(state.tables, pid)
    if (pt === undefined) continue
    trieForEach(pt.puds, (k, pfn) => fn(pid, 'pud', k * HPAGE_PUD_NR, pfn))
    trieForEach(pt.pmds, (k, s) => {
      if (s.huge >= 0) fn(pid, 'pmd', k * HPAGE_PMD_NR, s.huge)
      else if (s.ptes !== null && s.present > 0) {
        for (let j = 0; j < PTRS_PER_PTE; j++) if (s.ptes[j] !== 0) fn(pid, 'pte', k * HPAGE_PMD_NR + j, s.ptes[j]! - 1)
      }
    })
  }
}

/**
 * checkInvariants - recount every folio's counters from the page tables alone (brute force) and check the
 * state's structure. @returns the broken invariants, one line each; empty when all hold.
 */
export function checkInvariants(state: MmState): string[] {
  const bad: string[] = []
  interface Count { entire: number; ptes: number; hgmPmds: number; pageMaps: Map<number, number>; owners: Map<number, number>; present: number }
  const counts = new Map<number, Count>()
  const perProc = new Map<number, number>()
  forEachEntry(state, (pid, level, vpn, pfn) => {
    perProc.set(pid, (perProc.get(pid) ?? 0) + 1)
    const f = folioAt(state, pfn)
    if (f === undefined) {
      bad.push(`p${pid} ${level} at vpn 0x${vpn.toString(16)} maps pfn 0x${pfn.toString(16)}, which is in no live folio`)
      return
    }
    const vma = state.procs[pid]?.vmas.find((v) => v.start <= vpn && vpn < v.end)
    if (vma === undefined) bad.push(`p${pid} ${level} at vpn 0x${vpn.toString(16)} lies outside every VMA`)
    let c = counts.get(f.pfn)
    if (c === undefined) counts.set(f.pfn, (c = { entire: 0, ptes: 0, hgmPmds: 0, pageMaps: new Map(), owners: new Map(), present: 0 }))
    c.owners.set(pid, (c.owners.get(pid) ?? 0) + 1)
    if (level === 'pte') {
      c.ptes++
      c.pageMaps.set(pfn - f.pfn, (c.pageMaps.get(pfn - f.pfn) ?? 0) + 1)
    } else if (level === 'pmd' && 2 ** f.order > PAGES_PER_LEVEL.pmd) {
      // an HGM PMD: 2 MiB of a 1 GiB HugeTLB folio, one more entry on each page it maps, not an entire mapping
      c.hgmPmds++
      for (let i = pfn - f.pfn, end = i + PAGES_PER_LEVEL.pmd; i < end; i++) c.pageMaps.set(i, (c.pageMaps.get(i) ?? 0) + 1)
    } else c.entire++
  })
  trieForEach(state.folios, (pfn, f) => {
    const c = counts.get(pfn) ?? { entire: 0, ptes: 0, hgmPmds: 0, pageMaps: new Map<number, number>(), owners: new Map<number, number>(), present: 0 }
    const where = `folio 0x${pfn.toString(16)}`
    if (f.entire !== c.entire) bad.push(`${where}: entire ${f.entire}, page tables say ${c.entire}`)
    if (f.ptes !== c.ptes) bad.push(`${where}: ptes ${f.ptes}, page tables say ${c.ptes}`)
    if (f.hgmPmds !== c.hgmPmds) bad.push(`${where}: HGM PMDs ${f.hgmPmds}, page tables say ${c.hgmPmds}`)
    if (f.pagesMapped !== c.pageMaps.size) bad.push(`${where}: pagesMapped ${f.pagesMapped}, page tables say ${c.pageMaps.size}`)
    for (let i = 0; i < 2 ** f.order && f.pageMaps !== null; i++) {
      const want = c.pageMaps.get(i) ?? 0
      if (f.pageMaps[i] !== want) {
        bad.push(`${where}: page ${i} PTE/HGM PMD count ${f.pageMaps[i]}, page tables say ${want}`)
        break
      }
    }
    const owners = [...c.owners.entries()].sort((a, b) => a[0] - b[0]).flat()
    if (owners.join(',') !== f.owners.join(',')) bad.push(`${where}: owners [${f.owners.join(',')}], page tables say [${owners.join(',')}]`)
    if (f.entire < 0 || f.ptes < 0 || f.hgmPmds < 0) bad.push(`${where}: negative count`)
  })
  trieForEach(state.tables, (pid, pt) => {
    if (state.procs[pid] === undefined) bad.push(`page tables of p${pid}, which is not live`)
    if (pt.present !== (perProc.get(pid) ?? 0)) bad.push(`p${pid}: present ${pt.present}, page tables say ${perProc.get(pid) ?? 0}`)
  })
  for (const p of Object.values(state.procs)) {
    for (let i = 1; i < p.vmas.length; i++) {
      if (p.vmas[i]!.start < p.vmas[i - 1]!.end) bad.push(`p${p.pid}: VMAs overlap or are unsorted`)
    }
  }
  return bad
}
