import { HPAGE_PMD_NR, HPAGE_PUD_NR, HPAGE_PUD_ORDER, PAGES_PER_LEVEL } from '../rules/pageTableGeometry.ts'
import type { HugetlbHgmEnabled, HugetlbHgmRmapAdded, HugetlbHgmRmapRemoved, HugetlbHgmTableAllocated } from '../events/hugetlb.ts'
import type { FolioRec } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { trieGet } from '../state/cowTrie.ts'
import { newInt32Block } from '../state/blocks.ts'
import { checkInVma, clearEntries, hex, installEntries } from './entries.ts'
import { addOwner } from './owners.ts'
import { coveredByVmas, patchVmas } from './vmaRanges.ts'

/**
 * HugeTLB high-granularity mapping (HGM v2, model-only) case reducers: the differential reference of
 * core/src/truth/truthHgm.ts (same rules, same messages). A VMA with HGM (`Vma.hgm`) may hold 4 KiB PTEs
 * mapping single pages of a HugeTLB folio, counted like the PTEs of a PTE-mapped THP, and, in a 1 GiB
 * folio, HGM PMDs mapping one aligned 2 MiB piece each: the PMD slot's `huge` is the piece's first PFN,
 * each of its 512 pages counts one more entry (`pageMaps`), the folio one more `hgmPmds`.
 */

/** hugetlb/hgmEnabled: MADV_SPLIT sets VM_HUGETLB_HGM over a range of shared HugeTLB VMAs; nothing is remapped. */
export function hugetlbHgmEnabled(tx: Txn, e: HugetlbHgmEnabled): void {
  const vmas = tx.vmas(e.pid)
  if (vmas === null) return tx.violate(`process p${e.pid} is not live`)
  if (e.nrPages <= 0) return tx.violate('MADV_SPLIT of zero pages')
  const end = e.vpn + e.nrPages
  if (!coveredByVmas(vmas, e.vpn, end)) return tx.violate(`MADV_SPLIT range of p${e.pid} has holes`)
  const bad = vmas.find((v) => v.start < end && v.end > e.vpn && (v.kind !== 'hugetlb' || !v.shared))
  if (bad !== undefined) return tx.violate(`MADV_SPLIT on the VMA at ${hex(bad.start)} of p${e.pid}: HGM needs a shared HugeTLB VMA`)
  const next = patchVmas(vmas, e.vpn, end, { hgm: true })
  tx.procsForWrite()[e.pid]!.vmas = next
  tx.setVmaCache(e.pid, next)
}

function hgmTarget(tx: Txn, e: HugetlbHgmRmapAdded | HugetlbHgmRmapRemoved, adding: boolean): FolioRec | undefined {
  const f = tx.folio(e.folio)
  if (f === undefined || f.kind !== 'hugetlb') {
    tx.violate(`folio ${hex(e.folio)} is not a HugeTLB folio`)
    return undefined
  }
  const order = f.order
  if (e.level === 'pud' || (e.level === 'pmd' && order !== HPAGE_PUD_ORDER)) {
    tx.violate(`an HGM ${e.level} entry cannot map part of HugeTLB folio ${hex(e.folio)} of order ${order}`)
    return undefined
  }
  const n = PAGES_PER_LEVEL[e.level]
  const off = e.page - e.folio
  if (off < 0 || off + n > 2 ** order || off % n !== 0) {
    tx.violate(`HGM ${e.level} entry: page ${hex(e.page)} is not an aligned page of folio ${hex(e.folio)} of order ${order}`)
    return undefined
  }
  if (e.vpn % 2 ** order !== off) {
    tx.violate(`HGM ${e.level} entry at vpn ${hex(e.vpn)} maps page ${hex(e.page)}: not the page at that offset of the huge page`)
    return undefined
  }
  if (adding) {
    const v = tx.vmaAt(e.pid, e.vpn)
    if (v !== undefined && (v.kind !== 'hugetlb' || v.hgm !== true)) {
      tx.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`)
      return undefined
    }
    if (!checkInVma(tx, e.pid, e.vpn, n)) return undefined
  }
  return f
}

/** hugetlb/hgmRmapAdded: one 4 KiB PTE of an HGM VMA maps one page of a HugeTLB folio (hugetlb_add_file_rmap()). */
export function hugetlbHgmRmapAdded(tx: Txn, e: HugetlbHgmRmapAdded): void {
  const f = hgmTarget(tx, e, true)
  if (f === undefined) return
  if (e.level === 'pmd') return hgmPmdInstall(tx, e, f)
  installEntries(tx, e.pid, e.vpn, f, e.page, PAGES_PER_LEVEL[e.level], e.level)
}

/** hugetlb/hgmRmapRemoved: that PTE is cleared (hugetlb_remove_rmap()). */
export function hugetlbHgmRmapRemoved(tx: Txn, e: HugetlbHgmRmapRemoved): void {
  const f = hgmTarget(tx, e, false)
  if (f === undefined) return
  if (e.level === 'pmd') return hgmPmdClear(tx, e, f)
  clearEntries(tx, e.pid, e.vpn, f, e.page, PAGES_PER_LEVEL[e.level], e.level)
}

/** piece - @f (writable) counts @delta more entries on each page of the 2 MiB piece at @page, and one more HGM PMD. */
function piece(tx: Txn, f: FolioRec, pid: number, page: number, delta: 1 | -1): void {
  const fw = f.e === tx.epoch ? f : tx.folioForWrite(f.pfn)!
  if (fw.pageMaps === null) fw.pageMaps = newInt32Block(2 ** fw.order)
  const maps = fw.pageMaps
  for (let i = page - fw.pfn, end = i + HPAGE_PMD_NR; i < end; i++) {
    const m = (maps[i]! += delta)
    if (delta > 0 ? m === 1 : m === 0) fw.pagesMapped += delta
  }
  fw.hgmPmds += delta
  addOwner(fw, pid, delta)
}

/** hgmPmdInstall - @e's HGM PMD (hgmTarget() checked the folio, the piece and the VMA): the PMD must be none. */
function hgmPmdInstall(tx: Txn, e: HugetlbHgmRmapAdded, f: FolioRec): void {
  let pt = tx.procTables(e.pid)
  const k = e.vpn / HPAGE_PMD_NR
  if (pt !== undefined && pt.puds.size > 0 && trieGet(pt.puds, Math.floor(e.vpn / HPAGE_PUD_NR)) !== undefined) {
    return tx.violate(`vpn ${hex(e.vpn)} of p${e.pid} is inside a present PUD`)
  }
  const s = pt === undefined ? undefined : trieGet(pt.pmds, k)
  if (s !== undefined && (s.huge >= 0 || s.present > 0)) return tx.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} is not none`)
  pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(e.pid)
  const sw = tx.pmdSlotForWrite(pt, k)
  sw.huge = e.page
  sw.ptes = null // an empty PTE table is freed when a PMD leaf takes its place
  pt.present++
  piece(tx, f, e.pid, e.page, 1)
}

/** hgmPmdClear - clear @e's HGM PMD: it must map exactly that piece. */
function hgmPmdClear(tx: Txn, e: HugetlbHgmRmapRemoved, f: FolioRec): void {
  let pt = tx.procTables(e.pid)
  if (pt === undefined) return tx.violate(`p${e.pid} has no page tables`)
  const k = e.vpn / HPAGE_PMD_NR
  const s = trieGet(pt.pmds, k)
  const got = s === undefined || s.huge < 0 ? undefined : s.huge
  if (got !== e.page) return tx.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} ${got === undefined ? 'is none' : `maps ${hex(got)}`}, not page ${hex(e.page)}`)
  pt = pt.e === tx.epoch ? pt : tx.procTablesForWrite(e.pid)
  tx.pmdSlotForWrite(pt, k).huge = -1
  pt.present--
  piece(tx, f, e.pid, e.page, -1)
}

/** hugetlb/hgmTableAllocated: the HGM walk allocated a PTE (or PMD) table; no mapping changes. */
export function hugetlbHgmTableAllocated(tx: Txn, e: HugetlbHgmTableAllocated): void {
  if (e.level === 'pud') return tx.violate(`the HGM walk allocates PTE or PMD tables, not a ${e.level} table`)
  const v = tx.vmaAt(e.pid, e.vpn)
  if (v === undefined) return void checkInVma(tx, e.pid, e.vpn, 1)
  if (v.kind !== 'hugetlb' || v.hgm !== true) tx.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a HugeTLB VMA with HGM enabled (MADV_SPLIT)`)
}
