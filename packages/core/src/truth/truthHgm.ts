import type { HugetlbHgmEnabled, HugetlbHgmRmapAdded, HugetlbHgmRmapRemoved, HugetlbHgmTableAllocated } from '../events/hugetlb.ts'
import { coveredByVmas, patchVmas } from '../reducers/vmaRanges.ts'
import { KIND } from './folioStore.ts'
import { checkInVma, clearEntries, folioOrder, hex, installEntries, kindOf, pagesOfLevel } from './truthEntries.ts'
import type { TruthState } from './truthState.ts'

/**
 * The HugeTLB high-granularity mapping (HGM, model-only) reducers of {@link TruthState}: the rules and
 * messages of core/src/reducers/hgm.ts. A VMA with HGM (`Vma.hgm`) may hold 4 KiB PTEs mapping single pages
 * of a HugeTLB folio; they count exactly like PTEs of a PTE-mapped THP (per-page and per-folio counts).
 * HGM PMDs inside a 1 GiB folio are not modelled by the ground truth yet: such an event is a violation.
 */

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
  if (e.level === 'pud' || (e.level === 'pmd' && order !== 18)) {
    t.violate(`an HGM ${e.level} entry cannot map part of HugeTLB folio ${hex(e.folio)} of order ${order}`)
    return -1
  }
  if (e.level === 'pmd') {
    t.violate(`HGM PMD entries inside a 1 GiB folio (folio ${hex(e.folio)}) are not modelled by the ground truth`)
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

/** hugetlb/hgmRmapAdded: one 4 KiB PTE of an HGM VMA maps one page of a HugeTLB folio (hugetlb_add_file_rmap()). */
export function hugetlbHgmRmapAdded(t: TruthState, e: HugetlbHgmRmapAdded): void {
  const order = hgmTarget(t, e, true)
  if (order >= 0) installEntries(t, e.pid, e.vpn, e.folio, order, e.page, pagesOfLevel(e.level), e.level)
}

/** hugetlb/hgmRmapRemoved: that PTE is cleared (hugetlb_remove_rmap()). */
export function hugetlbHgmRmapRemoved(t: TruthState, e: HugetlbHgmRmapRemoved): void {
  const order = hgmTarget(t, e, false)
  if (order >= 0) clearEntries(t, e.pid, e.vpn, e.folio, order, e.page, pagesOfLevel(e.level), e.level)
}

/** hugetlb/hgmTableAllocated: the HGM walk allocated a PTE (or PMD) table; no mapping changes. */
export function hugetlbHgmTableAllocated(t: TruthState, e: HugetlbHgmTableAllocated): void {
  if (e.level === 'pud') return t.violate(`the HGM walk allocates PTE or PMD tables, not a ${e.level} table`)
  const v = t.vmaAt(e.pid, e.vpn)
  if (v === undefined) return void checkInVma(t, e.pid, e.vpn, 1)
  if (v.kind !== 'hugetlb' || v.hgm !== true) t.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`)
}
