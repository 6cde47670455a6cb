import type { VmaAdvised, VmaMapped, VmaMoved, VmaProtected, VmaUnmapped } from '../events/vma.ts'
import { trieGet, trieSet } from '../state/cowTrie.ts'
import type { ProcTables, Vma } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { hex } from './entries.ts'
import { coveredByVmas, cutVmas, insertVma, patchVmas } from './vmaRanges.ts'
import { newInt32Block } from '../state/blocks.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'

/** firstPresent - the first vpn in [vpn, vpn + nr) with a present entry in @pt, or -1. */
export function firstPresent(pt: ProcTables | undefined, vpn: number, nr: number): number {
  if (pt === undefined || pt.present === 0) return -1
  const end = vpn + nr
  for (let k = Math.floor(vpn / HPAGE_PUD_NR); k * HPAGE_PUD_NR < end && pt.puds.size > 0; k++) {
    if (trieGet(pt.puds, k) !== undefined) return Math.max(vpn, k * HPAGE_PUD_NR)
  }
  for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < end; k++) {
    const s = trieGet(pt.pmds, k)
    if (s === undefined) continue
    const lo = Math.max(vpn, k * HPAGE_PMD_NR)
    if (s.huge >= 0) return lo
    if (s.present === 0 || s.ptes === null) continue
    const hi = Math.min(end, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
    for (let v = lo; v < hi; v++) if (s.ptes[v % PTRS_PER_PTE] !== 0) return v
  }
  return -1
}

function liveVmas(tx: Txn, pid: number): readonly Vma[] | null {
  const vmas = tx.vmas(pid)
  if (vmas === null) tx.violate(`process p${pid} is not live`)
  return vmas
}

function setVmas(tx: Txn, pid: number, vmas: Vma[]): void {
  const d = tx.procsForWrite()[pid]!
  d.vmas = vmas
  tx.setVmaCache(pid, vmas)
}

/** freeEmptyTables - free_pgtables(): drop PTE tables in [vpn, vpn + nr) whose 2 MiB span has no VMA left. */
function freeEmptyTables(tx: Txn, pid: number, vmas: readonly Vma[], vpn: number, nr: number): void {
  const pt = tx.procTables(pid)
  if (pt === undefined) return
  let w: ProcTables | undefined
  for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < vpn + nr; k++) {
    const s = trieGet(pt.pmds, k)
    if (s === undefined || s.huge >= 0 || s.present > 0) continue
    if (vmas.some((v) => v.start < k * HPAGE_PMD_NR + HPAGE_PMD_NR && v.end > k * HPAGE_PMD_NR)) continue
    w ??= tx.procTablesForWrite(pid)
    w.pmds = trieSet(w.pmds, tx.epoch, k, undefined)
  }
}

/** vma/mapped: a new VMA; it must not overlap one. */
export function vmaMapped(tx: Txn, e: VmaMapped): void {
  const vmas = liveVmas(tx, e.pid)
  if (vmas === null) return
  if (e.nrPages <= 0) return tx.violate('a VMA of zero pages')
  if (vmas.some((v) => v.start < e.vpn + e.nrPages && v.end > e.vpn)) {
    return tx.violate(`[${hex(e.vpn)}, ${hex(e.vpn + e.nrPages)}) overlaps a VMA of p${e.pid}`)
  }
  const v: Vma = {
    start: e.vpn, end: e.vpn + e.nrPages, kind: e.kind, shared: e.shared, writable: e.writable,
    file: e.file, pgoff: e.pgoff, thp: 'default', dontfork: false,
  }
  setVmas(tx, e.pid, insertVma(vmas, v))
}

/** vma/unmapped: the range leaves every VMA; it must already be zapped. */
export function vmaUnmapped(tx: Txn, e: VmaUnmapped): void {
  const vmas = liveVmas(tx, e.pid)
  if (vmas === null) return
  const p = firstPresent(tx.procTables(e.pid), e.vpn, e.nrPages)
  if (p >= 0) return tx.violate(`munmap of p${e.pid} leaves vpn ${hex(p)} mapped (zap it first)`)
  const left = cutVmas(vmas, e.vpn, e.vpn + e.nrPages)
  setVmas(tx, e.pid, left)
  freeEmptyTables(tx, e.pid, left, e.vpn, e.nrPages)
}

/** vma/protected: change VM_WRITE over a range inside VMAs. */
export function vmaProtected(tx: Txn, e: VmaProtected): void {
  const vmas = liveVmas(tx, e.pid)
  if (vmas === null) return
  if (!coveredByVmas(vmas, e.vpn, e.vpn + e.nrPages)) return tx.violate(`mprotect range of p${e.pid} has holes`)
  setVmas(tx, e.pid, patchVmas(vmas, e.vpn, e.vpn + e.nrPages, { writable: e.writable }))
}

/** vma/advised: set VM_HUGEPAGE / VM_NOHUGEPAGE / VM_DONTCOPY over a range inside VMAs. */
export function vmaAdvised(tx: Txn, e: VmaAdvised): void {
  const vmas = liveVmas(tx, e.pid)
  if (vmas === null) return
  if (!coveredByVmas(vmas, e.vpn, e.vpn + e.nrPages)) return tx.violate(`madvise range of p${e.pid} has holes`)
  const patch: Partial<Vma> =
    e.advice === 'dontfork' ? { dontfork: true } : e.advice === 'dofork' ? { dontfork: false } : { thp: e.advice }
  setVmas(tx, e.pid, patchVmas(vmas, e.vpn, e.vpn + e.nrPages, patch))
}

/** vma/moved: move_vma(): the range and its entries move to newVpn; no rmap change. */
export function vmaMoved(tx: Txn, e: VmaMoved): void {
  const vmas = liveVmas(tx, e.pid)
  if (vmas === null) return
  const { vpn, nrPages: nr, newVpn } = e
  const src = vmas.find((v) => v.start <= vpn && vpn < v.end)
  if (src === undefined || vpn + nr > src.end) return tx.violate(`mremap source of p${e.pid} is not inside one VMA`)
  if (vmas.some((v) => v.start < newVpn + nr && v.end > newVpn)) return tx.violate(`mremap destination overlaps a VMA of p${e.pid}`)
  const pt0 = tx.procTables(e.pid)
  // precondition: PMD/PUD leaves lie wholly inside the range and keep their alignment
  if (pt0 !== undefined) {
    for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < vpn + nr; k++) {
      const s = trieGet(pt0.pmds, k)
      if (s !== undefined && s.huge >= 0) {
        const whole = k * HPAGE_PMD_NR >= vpn && k * HPAGE_PMD_NR + HPAGE_PMD_NR <= vpn + nr
        if (!whole || (newVpn - vpn) % HPAGE_PMD_NR !== 0) return tx.violate(`mremap moves part of or misaligns the PMD at ${hex(k * HPAGE_PMD_NR)} (split it first)`)
      }
    }
    for (let k = Math.floor(vpn / HPAGE_PUD_NR); k * HPAGE_PUD_NR < vpn + nr && pt0.puds.size > 0; k++) {
      if (trieGet(pt0.puds, k) !== undefined) {
        const whole = k * HPAGE_PUD_NR >= vpn && k * HPAGE_PUD_NR + HPAGE_PUD_NR <= vpn + nr
        if (!whole || (newVpn - vpn) % HPAGE_PUD_NR !== 0) return tx.violate(`mremap moves part of or misaligns the PUD at ${hex(k * HPAGE_PUD_NR)}`)
      }
    }
  }
  // take the entries out, then put them in at the destination
  const moved: { v: number; pfn: number; level: 'pte' | 'pmd' | 'pud' }[] = []
  if (pt0 !== undefined && pt0.present > 0) {
    const pt = tx.procTablesForWrite(e.pid)
    for (let k = Math.floor(vpn / HPAGE_PUD_NR); k * HPAGE_PUD_NR < vpn + nr && pt.puds.size > 0; k++) {
      const pfn = trieGet(pt.puds, k)
      if (pfn === undefined) continue
      moved.push({ v: k * HPAGE_PUD_NR, pfn, level: 'pud' })
      pt.puds = trieSet(pt.puds, tx.epoch, k, undefined)
    }
    for (let k = Math.floor(vpn / HPAGE_PMD_NR); k * HPAGE_PMD_NR < vpn + nr; k++) {
      const s0 = trieGet(pt.pmds, k)
      if (s0 === undefined || (s0.huge < 0 && s0.present === 0)) continue
      const s = tx.pmdSlotForWrite(pt, k)
      if (s.huge >= 0) {
        moved.push({ v: k * HPAGE_PMD_NR, pfn: s.huge, level: 'pmd' })
        s.huge = -1
        continue
      }
      const ptes = s.ptes!
      const lo = Math.max(vpn, k * HPAGE_PMD_NR)
      const hi = Math.min(vpn + nr, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
      for (let v = lo; v < hi; v++) {
        const x = ptes[v % PTRS_PER_PTE]!
        if (x === 0) continue
        moved.push({ v, pfn: x - 1, level: 'pte' })
        ptes[v % PTRS_PER_PTE] = 0
        s.present--
      }
    }
    for (const m of moved) {
      const to = m.v - vpn + newVpn
      if (m.level === 'pud') pt.puds = trieSet(pt.puds, tx.epoch, to / HPAGE_PUD_NR, m.pfn)
      else if (m.level === 'pmd') {
        const s = tx.pmdSlotForWrite(pt, to / HPAGE_PMD_NR)
        s.huge = m.pfn
        s.ptes = null
      } else {
        const s = tx.pmdSlotForWrite(pt, Math.floor(to / HPAGE_PMD_NR))
        if (s.ptes === null) s.ptes = newInt32Block(PTRS_PER_PTE)
        s.ptes[to % PTRS_PER_PTE] = m.pfn + 1
        s.present++
      }
    }
  }
  const moverVma: Vma = { ...src, start: newVpn, end: newVpn + nr, pgoff: src.pgoff + (vpn - src.start) }
  const left = insertVma(cutVmas(vmas, vpn, vpn + nr), moverVma)
  setVmas(tx, e.pid, left)
  freeEmptyTables(tx, e.pid, left, vpn, nr)
}
