import type { HugetlbHgmEnabled, HugetlbHgmRmapAdded, HugetlbHgmRmapRemoved, HugetlbHgmTableAllocated } from '../events/hugetlb.ts'
import { coveredByVmas, patchVmas } from '../reducers/vmaRanges.ts'
import { CHUNK_PAGES, KIND } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { HPAGE_PUD_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { checkInVma, clearEntries, folioOrder, hex, installEntries, kindOf, pagesOfLevel } from './truthEntries.ts'
import type { TruthState } from './truthState.ts'

/**
 * The HugeTLB high-granularity mapping (HGM, model-only) reducers of {@link TruthState}: the rules and
 * messages of core/src/reducers/hgm.ts. A VMA with HGM (`Vma.hgm`) may hold 4 KiB PTEs mapping single pages
 * of a HugeTLB folio; they count exactly like PTEs of a PTE-mapped THP (per-page and per-folio counts).
 * In a 1 GiB folio it may also hold HGM PMDs, each mapping one aligned 2 MiB piece: the page table holds
 * the piece's first PFN (ProcTables.pmds; a whole-folio PMD holds the head, so pmdLeaf() is always "the
 * first PFN mapped"), each of the piece's 512 pages counts one more entry mapping it (@maps, as a PTE
 * would: kpagecount's "entries mapping the page"), and the folio counts the entry once in its own
 * @hgmPmds (folio_mapcount() = entire + ptes + hgmPmds: "entries mapping any page of the folio").
 */

const MASK = CHUNK_PAGES - 1
const PRESENT = ProcTables.PRESENT

/** hugetlb/hgmEnabled: MADV_SPLIT sets VM_HUGETLB_HGM over a range of shared HugeTLB VMAs; nothing is remapped. */
export function hugetlbHgmEnabled(t: TruthState, e: HugetlbHgmEnabled): void {
  const vmas = t.vmas(e.pid)
  if (vmas === null) return t.violate(`process p${e.pid} is not live`)
  if (e.nrPages <= 0) return t.violate('MADV_SPLIT of zero pages')
  const end = e.vpn + e.nrPages
  if (!coveredByVmas(vmas, e.vpn, end)) return t.violate(`MADV_SPLIT range of p${e.pid} has holes`)
  const bad = vmas.find((v) => v.start < end && v.end > e.vpn && (v.kind !== 'hugetlb' || !v.shared))
  if (bad !== undefined) return t.violate(`MADV_SPLIT on the VMA at ${hex(bad.start)} of p${e.pid}: HGM needs a shared HugeTLB VMA`)
  t.setProc(e.pid, { ...t.procs.get(e.pid)!, vmas: patchVmas(vmas, e.vpn, end, { hgm: true }) })
}

/** hgmTarget - the order of HugeTLB folio @folio when [page, page + n) of it may be one HGM @level entry at @vpn; else -1 and a violation. */
function hgmTarget(t: TruthState, e: HugetlbHgmRmapAdded | HugetlbHgmRmapRemoved, adding: boolean): number {
  const order = folioOrder(t, e.folio)
  if (order < 0 || kindOf(t, e.folio) !== KIND.hugetlb) {
    t.violate(`folio ${hex(e.folio)} is not a HugeTLB folio`)
    return -1
  }
  if (e.level === 'pud' || (e.level === 'pmd' && order !== HPAGE_PUD_ORDER)) {
    t.violate(`an HGM ${e.level} entry cannot map part of HugeTLB folio ${hex(e.folio)} of order ${order}`)
    return -1
  }
  const n = pagesOfLevel(e.level)
  const off = e.page - e.folio
  if (off < 0 || off + n > 2 ** order || off % n !== 0) {
    t.violate(`HGM ${e.level} entry: page ${hex(e.page)} is not an aligned page of folio ${hex(e.folio)} of order ${order}`)
    return -1
  }
  if (e.vpn % 2 ** order !== off) {
    t.violate(`HGM ${e.level} entry at vpn ${hex(e.vpn)} maps page ${hex(e.page)}: not the page at that offset of the huge page`)
    return -1
  }
  if (adding) {
    const v = t.vmaAt(e.pid, e.vpn)
    if (v !== undefined && (v.kind !== 'hugetlb' || v.hgm !== true)) {
      t.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`)
      return -1
    }
    if (!checkInVma(t, e.pid, e.vpn, n)) return -1
  }
  return order
}

/** hugetlb/hgmRmapAdded: one 4 KiB PTE (or 2 MiB PMD inside a 1 GiB folio) of an HGM VMA maps part of a HugeTLB folio (hugetlb_add_file_rmap()). */
export function hugetlbHgmRmapAdded(t: TruthState, e: HugetlbHgmRmapAdded): void {
  const order = hgmTarget(t, e, true)
  if (order < 0) return
  if (e.level === 'pmd') return hgmPmdInstall(t, e)
  installEntries(t, e.pid, e.vpn, e.folio, order, e.page, pagesOfLevel(e.level), e.level)
}

/** hugetlb/hgmRmapRemoved: that entry is cleared (hugetlb_remove_rmap()). */
export function hugetlbHgmRmapRemoved(t: TruthState, e: HugetlbHgmRmapRemoved): void {
  const order = hgmTarget(t, e, false)
  if (order < 0) return
  if (e.level === 'pmd') return hgmPmdClear(t, e)
  clearEntries(t, e.pid, e.vpn, e.folio, order, e.page, pagesOfLevel(e.level), e.level)
}

/** pieceMaps - each page of the 2 MiB piece at @page counts @delta more entries (one chunk: pieces are 512-aligned). @returns the change of pages mapped. */
function pieceMaps(t: TruthState, page: number, delta: 1 | -1): number {
  const c = t.folios.chunkForWrite(page)
  const maps = c.maps
  let mapped = 0
  for (let j = page & MASK, end = j + PTRS_PER_PTE; j < end; j++) {
    const m = (maps[j]! += delta)
    if (delta > 0 ? m === 1 : m === 0) mapped += delta
  }
  return mapped
}

/** hgmPmdInstall - @e's HGM PMD (hgmTarget() checked the folio, the piece and the VMA): the PMD must be none. */
function hgmPmdInstall(t: TruthState, e: HugetlbHgmRmapAdded): void {
  const pt0 = t.procTables(e.pid)
  const k = e.vpn / PTRS_PER_PTE
  if (pt0 !== undefined && pt0.pudLeaf(e.vpn) !== undefined) return t.violate(`vpn ${hex(e.vpn)} of p${e.pid} is inside a present PUD`)
  if (pt0 !== undefined && (pt0.pmdLeaf(k) !== undefined || (pt0.table(k)?.[PRESENT] ?? 0) > 0)) {
    return t.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} is not none`)
  }
  const pt = t.procTablesForWrite(e.pid)
  pt.pmds.set(k, e.page)
  pt.dropTable(k) // an empty PTE table is freed when a PMD leaf takes its place
  pt.present++
  const mapped = pieceMaps(t, e.page, 1)
  const hc = t.folios.chunkForWrite(e.folio)
  const hj = e.folio & MASK
  hc.mapped[hj]! += mapped
  hc.addHgmPmds(hj, 1)
  hc.addOwner(hj, e.pid, 1)
}

/** hgmPmdClear - clear @e's HGM PMD: it must map exactly that piece. */
function hgmPmdClear(t: TruthState, e: HugetlbHgmRmapRemoved): void {
  const pt0 = t.procTables(e.pid)
  if (pt0 === undefined) return t.violate(`p${e.pid} has no page tables`)
  const k = e.vpn / PTRS_PER_PTE
  const got = pt0.pmdLeaf(k)
  if (got !== e.page) {
    return t.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} ${got === undefined ? 'is none' : `maps ${hex(got)}`}, not page ${hex(e.page)}`)
  }
  const pt = t.procTablesForWrite(e.pid)
  pt.pmds.delete(k)
  pt.present--
  const mapped = pieceMaps(t, e.page, -1)
  const hc = t.folios.chunkForWrite(e.folio)
  const hj = e.folio & MASK
  hc.mapped[hj]! += mapped
  hc.addHgmPmds(hj, -1)
  hc.addOwner(hj, e.pid, -1)
}

/** hugetlb/hgmTableAllocated: the HGM walk allocated a PTE (or PMD) table; no mapping changes. */
export function hugetlbHgmTableAllocated(t: TruthState, e: HugetlbHgmTableAllocated): void {
  if (e.level === 'pud') return t.violate(`the HGM walk allocates PTE or PMD tables, not a ${e.level} table`)
  const v = t.vmaAt(e.pid, e.vpn)
  if (v === undefined) return void checkInVma(t, e.pid, e.vpn, 1)
  if (v.kind !== 'hugetlb' || v.hgm !== true) t.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`)
}
