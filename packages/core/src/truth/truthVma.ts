import type { ProcessCreated, ProcessExited, ProcessForked } from '../events/process.ts'
import type { VmaAdvised, VmaMapped, VmaMoved, VmaProtected, VmaUnmapped } from '../events/vma.ts'
import { coveredByVmas, cutVmas, insertVma, patchVmas } from '../reducers/vmaRanges.ts'
import type { Vma } from '../state/mmState.ts'
import { ProcTables } from './procTables.ts'
import { HPAGE_PUD_NR, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { hex } from './truthEntries.ts'
import type { TruthState } from './truthState.ts'

/** The process and VMA reducers of {@link TruthState}: core/src/reducers/{process,vma}.ts's rules and messages. */

const PRESENT = ProcTables.PRESENT

const keyScratch: number[] = []
/**
 * keysIn - the indices k in [lo, hi) to visit for a range over tables kept in @a (and @b), ascending: every
 * k when the range is short, else only the keys the maps hold — so a range of 2^40 pages costs the
 * tables that exist, not its length (reducers total for every representable value). Returns a shared
 * array: iterate it before the next call.
 */
function keysIn(lo: number, hi: number, a: ReadonlyMap<number, unknown>, b?: ReadonlyMap<number, unknown>): readonly number[] {
  const out = keyScratch
  out.length = 0
  const n = a.size + (b?.size ?? 0)
  if (n === 0) return out
  if (hi - lo <= 2 * n + 64) {
    for (let k = lo; k < hi; k++) out.push(k)
    return out
  }
  for (const k of a.keys()) if (k >= lo && k < hi) out.push(k)
  if (b !== undefined) for (const k of b.keys()) if (k >= lo && k < hi && !a.has(k)) out.push(k)
  return out.sort((x, y) => x - y)
}

/** process/created: a new empty mm. */
export function processCreated(t: TruthState, e: ProcessCreated): void {
  if (t.vmas(e.pid) !== null) return t.violate(`process p${e.pid} is already live`)
  t.setProc(e.pid, { pid: e.pid, parent: -1, vmas: [] })
}

/** process/forked: the child gets the parent's VMAs except VM_DONTCOPY ones, and empty page tables. */
export function processForked(t: TruthState, e: ProcessForked): void {
  const vmas = t.vmas(e.pid)
  if (vmas === null) return t.violate(`parent p${e.pid} is not live`)
  if (t.vmas(e.child) !== null) return t.violate(`child p${e.child} is already live`)
  t.setProc(e.child, { pid: e.child, parent: e.pid, vmas: vmas.filter((v) => !v.dontfork) })
}

/** process/exited: the mm goes away; it must map nothing any more. */
export function processExited(t: TruthState, e: ProcessExited): void {
  if (t.vmas(e.pid) === null) return t.violate(`process p${e.pid} is not live`)
  const present = t.procTables(e.pid)?.present ?? 0
  if (present > 0) return t.violate(`p${e.pid} exits with ${present} entries still mapped (exit_mmap zaps them first)`)
  t.setProc(e.pid, undefined)
  t.dropProcTables(e.pid)
}

/** firstPresent - the first vpn in [vpn, vpn + nr) with a present entry in @pt, or -1. */
export function firstPresent(pt: ProcTables | undefined, vpn: number, nr: number): number {
  if (pt === undefined || pt.present === 0) return -1
  const end = vpn + nr
  for (const k of keysIn(Math.floor(vpn / HPAGE_PUD_NR), Math.ceil(end / HPAGE_PUD_NR), pt.puds)) {
    if (pt.puds.get(k) !== undefined) return Math.max(vpn, k * HPAGE_PUD_NR)
  }
  for (const k of keysIn(Math.floor(vpn / PTRS_PER_PTE), Math.ceil(end / PTRS_PER_PTE), pt.ptes, pt.pmds)) {
    const lo = Math.max(vpn, k * PTRS_PER_PTE)
    if (pt.pmdLeaf(k) !== undefined) return lo
    const tab = pt.table(k)
    if (tab === undefined || tab[PRESENT] === 0) continue
    const hi = Math.min(end, k * PTRS_PER_PTE + PTRS_PER_PTE)
    for (let v = lo; v < hi; v++) if (tab[v % PTRS_PER_PTE] !== 0) return v
  }
  return -1
}

function liveVmas(t: TruthState, pid: number): readonly Vma[] | null {
  const vmas = t.vmas(pid)
  if (vmas === null) t.violate(`process p${pid} is not live`)
  return vmas
}

function setVmas(t: TruthState, pid: number, vmas: Vma[]): void {
  t.setProc(pid, { ...t.procs.get(pid)!, vmas })
}

/** freeEmptyTables - free_pgtables(): drop PTE tables in [vpn, vpn + nr) whose 2 MiB span has no VMA left. */
function freeEmptyTables(t: TruthState, pid: number, vmas: readonly Vma[], vpn: number, nr: number): void {
  const pt = t.procTables(pid)
  if (pt === undefined) return
  let w: ProcTables | undefined
  // dropping a table while iterating: keysIn's list was taken before
  for (const k of keysIn(Math.floor(vpn / PTRS_PER_PTE), Math.ceil((vpn + nr) / PTRS_PER_PTE), pt.ptes)) {
    const tab = pt.table(k)
    if (tab === undefined || tab[PRESENT]! > 0) continue
    if (vmas.some((v) => v.start < k * PTRS_PER_PTE + PTRS_PER_PTE && v.end > k * PTRS_PER_PTE)) continue
    w ??= t.procTablesForWrite(pid)
    w.dropTable(k)
  }
}

/** vma/mapped: a new VMA; it must not overlap one. */
export function vmaMapped(t: TruthState, e: VmaMapped): void {
  const vmas = liveVmas(t, e.pid)
  if (vmas === null) return
  if (e.nrPages <= 0) return t.violate('a VMA of zero pages')
  if (vmas.some((v) => v.start < e.vpn + e.nrPages && v.end > e.vpn)) {
    return t.violate(`[${hex(e.vpn)}, ${hex(e.vpn + e.nrPages)}) overlaps a VMA of p${e.pid}`)
  }
  const v: Vma = {
    start: e.vpn, end: e.vpn + e.nrPages, kind: e.kind, shared: e.shared, writable: e.writable,
    file: e.file, pgoff: e.pgoff, thp: 'default', dontfork: false,
  }
  setVmas(t, e.pid, insertVma(vmas, v))
}

/** vma/unmapped: the range leaves every VMA; it must already be zapped. */
export function vmaUnmapped(t: TruthState, e: VmaUnmapped): void {
  const vmas = liveVmas(t, e.pid)
  if (vmas === null) return
  const p = firstPresent(t.procTables(e.pid), e.vpn, e.nrPages)
  if (p >= 0) return t.violate(`munmap of p${e.pid} leaves vpn ${hex(p)} mapped (zap it first)`)
  const left = cutVmas(vmas, e.vpn, e.vpn + e.nrPages)
  setVmas(t, e.pid, left)
  freeEmptyTables(t, e.pid, left, e.vpn, e.nrPages)
}

/** vma/protected: change VM_WRITE over a range inside VMAs. */
export function vmaProtected(t: TruthState, e: VmaProtected): void {
  const vmas = liveVmas(t, e.pid)
  if (vmas === null) return
  if (!coveredByVmas(vmas, e.vpn, e.vpn + e.nrPages)) return t.violate(`mprotect range of p${e.pid} has holes`)
  setVmas(t, e.pid, patchVmas(vmas, e.vpn, e.vpn + e.nrPages, { writable: e.writable }))
}

/** vma/advised: set VM_HUGEPAGE / VM_NOHUGEPAGE / VM_DONTCOPY over a range inside VMAs. */
export function vmaAdvised(t: TruthState, e: VmaAdvised): void {
  const vmas = liveVmas(t, e.pid)
  if (vmas === null) return
  if (!coveredByVmas(vmas, e.vpn, e.vpn + e.nrPages)) return t.violate(`madvise range of p${e.pid} has holes`)
  const patch: Partial<Vma> =
    e.advice === 'dontfork' ? { dontfork: true } : e.advice === 'dofork' ? { dontfork: false } : { thp: e.advice }
  setVmas(t, e.pid, patchVmas(vmas, e.vpn, e.vpn + e.nrPages, patch))
}

/** vma/moved: move_vma(): the range and its entries move to newVpn; no rmap change. */
export function vmaMoved(t: TruthState, e: VmaMoved): void {
  const vmas = liveVmas(t, e.pid)
  if (vmas === null) return
  const { vpn, nrPages: nr, newVpn } = e
  const src = vmas.find((v) => v.start <= vpn && vpn < v.end)
  if (src === undefined || vpn + nr > src.end) return t.violate(`mremap source of p${e.pid} is not inside one VMA`)
  if (vmas.some((v) => v.start < newVpn + nr && v.end > newVpn)) return t.violate(`mremap destination overlaps a VMA of p${e.pid}`)
  const pt0 = t.procTables(e.pid)
  // precondition: PMD/PUD leaves lie wholly inside the range and keep their alignment
  if (pt0 !== undefined) {
    for (const k of keysIn(Math.floor(vpn / PTRS_PER_PTE), Math.ceil((vpn + nr) / PTRS_PER_PTE), pt0.pmds)) {
      if (pt0.pmdLeaf(k) !== undefined) {
        const whole = k * PTRS_PER_PTE >= vpn && k * PTRS_PER_PTE + PTRS_PER_PTE <= vpn + nr
        if (!whole || (newVpn - vpn) % PTRS_PER_PTE !== 0) return t.violate(`mremap moves part of or misaligns the PMD at ${hex(k * PTRS_PER_PTE)} (split it first)`)
      }
    }
    for (const k of keysIn(Math.floor(vpn / HPAGE_PUD_NR), Math.ceil((vpn + nr) / HPAGE_PUD_NR), pt0.puds)) {
      if (pt0.puds.get(k) !== undefined) {
        const whole = k * HPAGE_PUD_NR >= vpn && k * HPAGE_PUD_NR + HPAGE_PUD_NR <= vpn + nr
        if (!whole || (newVpn - vpn) % HPAGE_PUD_NR !== 0) return t.violate(`mremap moves part of or misaligns the PUD at ${hex(k * HPAGE_PUD_NR)}`)
      }
    }
  }
  // take the entries out, then put them in at the destination
  if (pt0 !== undefined && pt0.present > 0) {
    const pt = t.procTablesForWrite(e.pid)
    const moved: { v: number; pfn: number; level: 'pte' | 'pmd' | 'pud' }[] = []
    for (const k of keysIn(Math.floor(vpn / HPAGE_PUD_NR), Math.ceil((vpn + nr) / HPAGE_PUD_NR), pt.puds)) {
      const pfn = pt.puds.get(k)
      if (pfn === undefined) continue
      moved.push({ v: k * HPAGE_PUD_NR, pfn, level: 'pud' })
      pt.puds.delete(k)
    }
    for (const k of keysIn(Math.floor(vpn / PTRS_PER_PTE), Math.ceil((vpn + nr) / PTRS_PER_PTE), pt.ptes, pt.pmds)) {
      const leaf = pt.pmdLeaf(k)
      if (leaf !== undefined) {
        moved.push({ v: k * PTRS_PER_PTE, pfn: leaf, level: 'pmd' })
        pt.pmds.delete(k)
        continue
      }
      const tab0 = pt.table(k)
      if (tab0 === undefined || tab0[PRESENT] === 0) continue
      const tab = pt.tableForWrite(k)
      const lo = Math.max(vpn, k * PTRS_PER_PTE)
      const hi = Math.min(vpn + nr, k * PTRS_PER_PTE + PTRS_PER_PTE)
      for (let v = lo; v < hi; v++) {
        const x = tab[v % PTRS_PER_PTE]!
        if (x === 0) continue
        moved.push({ v, pfn: x - 1, level: 'pte' })
        tab[v % PTRS_PER_PTE] = 0
        tab[PRESENT]!--
      }
    }
    for (const m of moved) {
      const to = m.v - vpn + newVpn
      if (m.level === 'pud') pt.puds.set(to / HPAGE_PUD_NR, m.pfn)
      else if (m.level === 'pmd') {
        pt.pmds.set(to / PTRS_PER_PTE, m.pfn)
        pt.dropTable(to / PTRS_PER_PTE)
      } else {
        const tab = pt.tableForWrite(Math.floor(to / PTRS_PER_PTE))
        tab[to % PTRS_PER_PTE] = m.pfn + 1
        tab[PRESENT]!++
      }
    }
  }
  const moverVma: Vma = { ...src, start: newVpn, end: newVpn + nr, pgoff: src.pgoff + (vpn - src.start) }
  const left = insertVma(cutVmas(vmas, vpn, vpn + nr), moverVma)
  setVmas(t, e.pid, left)
  freeEmptyTables(t, e.pid, left, vpn, nr)
}
