import type { Level, Pid } from '../events/common.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR, PAGES_PER_LEVEL, PTRS_PER_PMD, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { trieGet, trieSet } from '../state/cowTrie.ts'
import type { FolioRec, ProcTables } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { addOwner } from './owners.ts'
import { newInt32Block, newUint8Block } from '../state/blocks.ts'

/**
 * Page-table entry installs and clears shared by every mapping reducer. Each one first checks its whole
 * precondition and records a violation (changing nothing) when it does not hold, then writes.
 */

/** checkInVma - [vpn, vpn + nr) of live process @pid lies inside one VMA; else a violation. */
export function checkInVma(tx: Txn, pid: Pid, vpn: number, nr: number): boolean {
  const v = tx.vmaAt(pid, vpn)
  if (v === undefined) {
    tx.violate(tx.vmas(pid) === null ? `process p${pid} is not live` : `vpn ${hex(vpn)} of p${pid} is outside every VMA`)
    return false
  }
  if (vpn + nr > v.end) {
    tx.violate(`[${hex(vpn)}, ${hex(vpn + nr)}) of p${pid} extends past the VMA ending at ${hex(v.end)}`)
    return false
  }
  return true
}

/** checkFolioRange - [page, page + nr) lies inside live folio @f. */
export function checkFolioRange(tx: Txn, f: FolioRec | undefined, folio: number, page: number, nr: number): f is FolioRec {
  if (f === undefined) {
    tx.violate(`folio ${hex(folio)} is not allocated`)
    return false
  }
  if (nr <= 0 || page < f.pfn || page + nr > f.pfn + 2 ** f.order) {
    tx.violate(`pages [${hex(page)}, ${hex(page + nr)}) are not inside folio ${hex(f.pfn)} of order ${f.order}`)
    return false
  }
  return true
}

/** writable - @f itself when it already belongs to this transaction, else its copy-on-write copy. */
function writable(tx: Txn, f: FolioRec): FolioRec {
  return f.e === tx.epoch ? f : tx.folioForWrite(f.pfn)!
}

/** hex - a vpn or pfn the way the kernel prints them. */
export function hex(n: number): string {
  return '0x' + n.toString(16)
}

function pudLeafAt(pt: ProcTables | undefined, vpn: number): number | undefined {
  return pt === undefined || pt.puds.size === 0 ? undefined : trieGet(pt.puds, Math.floor(vpn / HPAGE_PUD_NR))
}

/** entryAt - the PFN mapped at @vpn of @pid (by any level), or -1. */
export function entryAt(pt: ProcTables | undefined, vpn: number): number {
  if (pt === undefined) return -1
  const pud = pudLeafAt(pt, vpn)
  if (pud !== undefined) return pud + (vpn % HPAGE_PUD_NR)
  const s = trieGet(pt.pmds, Math.floor(vpn / HPAGE_PMD_NR))
  if (s === undefined) return -1
  if (s.huge >= 0) return s.huge + (vpn % HPAGE_PMD_NR)
  if (s.ptes === null) return -1
  return s.ptes[vpn % PTRS_PER_PTE]! - 1
}

/**
 * ptesMatch - the first vpn in [vpn, vpn + nr) whose PTE does not map page (page + offset), or -1.
 * @page = -1 asks for PTEs that are none. Walks PMD slots, not pages, so a batch costs one lookup per 2 MiB.
 */
export function ptesMatch(pt: ProcTables | undefined, vpn: number, page: number, nr: number): number {
  let v = vpn
  const end = vpn + nr
  while (v < end) {
    const k = Math.floor(v / HPAGE_PMD_NR)
    const stop = Math.min(end, k * HPAGE_PMD_NR + HPAGE_PMD_NR)
    if (pudLeafAt(pt, v) !== undefined) return v
    const s = pt === undefined ? undefined : trieGet(pt.pmds, k)
    if (s !== undefined && s.huge >= 0) return v
    const ptes = s === undefined ? null : s.ptes
    if (page < 0) {
      if (ptes !== null && s!.present > 0) for (let x = v; x < stop; x++) if (ptes[x % PTRS_PER_PTE] !== 0) return x
    } else {
      if (ptes === null) return v
      for (let x = v; x < stop; x++) if (ptes[x % PTRS_PER_PTE] !== page + (x - vpn) + 1) return x
    }
    v = stop
  }
  return -1
}

function leafCheck(tx: Txn, level: Level, vpn: number, f: FolioRec): boolean {
  const n = PAGES_PER_LEVEL[level]
  if (vpn % n !== 0) {
    tx.violate(`${level} entry at unaligned vpn ${hex(vpn)}`)
    return false
  }
  if (2 ** f.order !== n) {
    tx.violate(`folio ${hex(f.pfn)} of order ${f.order} cannot be mapped by one ${level} entry`)
    return false
  }
  return true
}

/**
 * installEntries - @pid's entries at [vpn, ...) now map pages [page, page + nr) of @f: nr PTEs at
 * level 'pte', one leaf at 'pmd'/'pud' (then page must be the head and nr the folio's size).
 * Precondition: all those entries are none. @returns false (a violation recorded) when it does not hold.
 */
export function installEntries(tx: Txn, pid: Pid, vpn: number, f: FolioRec, page: number, nr: number, level: Level): boolean {
  let pt = tx.procTables(pid)
  if (level === 'pte') {
    const busy = ptesMatch(pt, vpn, -1, nr)
    if (busy >= 0) {
      tx.violate(`PTE at vpn ${hex(busy)} of p${pid} is already present`)
      return false
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    const fw = writable(tx, f)
    if (fw.pageMaps === null) fw.pageMaps = newInt32Block(2 ** fw.order)
    let off = page - fw.pfn
    let v = vpn
    let left = nr
    while (left > 0) {
      const s = tx.pmdSlotForWrite(pt, Math.floor(v / HPAGE_PMD_NR))
      if (s.ptes === null) s.ptes = newInt32Block(PTRS_PER_PTE)
      const ptes = s.ptes
      let j = v % PTRS_PER_PTE
      const stop = Math.min(PTRS_PER_PTE, j + left)
      const k = stop - j
      for (; j < stop; j++, off++) {
        ptes[j] = fw.pfn + off + 1
        if (++fw.pageMaps[off]! === 1) fw.pagesMapped++
      }
      s.present += k
      v += k
      left -= k
    }
    fw.ptes += nr
    pt.present += nr
    addOwner(fw, pid, nr)
    return true
  }
  if (!leafCheck(tx, level, vpn, f)) return false
  if (page !== f.pfn || nr !== 2 ** f.order) {
    tx.violate(`a ${level} entry maps the whole folio ${hex(f.pfn)}, not [${hex(page)}, ${hex(page + nr)})`)
    return false
  }
  if (level === 'pmd') {
    if (pudLeafAt(pt, vpn) !== undefined) {
      tx.violate(`vpn ${hex(vpn)} of p${pid} is inside a present PUD`)
      return false
    }
    const s = pt === undefined ? undefined : trieGet(pt.pmds, vpn / HPAGE_PMD_NR)
    if (s !== undefined && (s.huge >= 0 || s.present > 0)) {
      tx.violate(`PMD at vpn ${hex(vpn)} of p${pid} is not none`)
      return false
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    const sw = tx.pmdSlotForWrite(pt, vpn / HPAGE_PMD_NR)
    sw.huge = f.pfn
    sw.ptes = null // an empty PTE table is freed when a PMD leaf takes its place (collapse)
  } else {
    if (pudLeafAt(pt, vpn) !== undefined) {
      tx.violate(`PUD at vpn ${hex(vpn)} of p${pid} is already present`)
      return false
    }
    for (let k = vpn / HPAGE_PMD_NR; k < vpn / HPAGE_PMD_NR + PTRS_PER_PMD; k++) {
      const s = pt === undefined ? undefined : trieGet(pt.pmds, k)
      if (s !== undefined && (s.huge >= 0 || s.present > 0)) {
        tx.violate(`PUD at vpn ${hex(vpn)} of p${pid} covers present entries`)
        return false
      }
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    pt.puds = trieSet(pt.puds, tx.epoch, vpn / HPAGE_PUD_NR, f.pfn)
  }
  const fw = writable(tx, f)
  fw.entire++
  pt.present++
  addOwner(fw, pid, 1)
  return true
}

/**
 * clearEntries - clear @pid's entries at [vpn, ...) that map [page, page + nr) of @f (see installEntries).
 * Precondition: every one of them is present and maps exactly that page. @returns false on a violation.
 */
export function clearEntries(tx: Txn, pid: Pid, vpn: number, f: FolioRec, page: number, nr: number, level: Level): boolean {
  let pt = tx.procTables(pid)
  if (pt === undefined) {
    tx.violate(`p${pid} has no page tables`)
    return false
  }
  if (level === 'pte') {
    const bad = ptesMatch(pt, vpn, page, nr)
    if (bad >= 0) {
      const got = entryAt(pt, bad)
      tx.violate(`PTE at vpn ${hex(bad)} of p${pid} ${got < 0 ? 'is none' : `maps ${hex(got)}`}, not page ${hex(page + bad - vpn)}`)
      return false
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    const fw = writable(tx, f)
    const maps = fw.pageMaps!
    let off = page - fw.pfn
    let v = vpn
    let left = nr
    while (left > 0) {
      const s = tx.pmdSlotForWrite(pt, Math.floor(v / HPAGE_PMD_NR))
      const ptes = s.ptes!
      let j = v % PTRS_PER_PTE
      const stop = Math.min(PTRS_PER_PTE, j + left)
      const k = stop - j
      for (; j < stop; j++, off++) {
        ptes[j] = 0
        if (--maps[off]! === 0) fw.pagesMapped--
      }
      s.present -= k
      v += k
      left -= k
    }
    fw.ptes -= nr
    pt.present -= nr
    addOwner(fw, pid, -nr)
    return true
  }
  if (!leafCheck(tx, level, vpn, f)) return false
  if (level === 'pmd') {
    const s = trieGet(pt.pmds, vpn / HPAGE_PMD_NR)
    if (s === undefined || s.huge !== f.pfn) {
      tx.violate(`PMD at vpn ${hex(vpn)} of p${pid} does not map folio ${hex(f.pfn)}`)
      return false
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    tx.pmdSlotForWrite(pt, vpn / HPAGE_PMD_NR).huge = -1
  } else {
    if (trieGet(pt.puds, vpn / HPAGE_PUD_NR) !== f.pfn) {
      tx.violate(`PUD at vpn ${hex(vpn)} of p${pid} does not map folio ${hex(f.pfn)}`)
      return false
    }
    pt = pt !== undefined && pt.e === tx.epoch ? pt : tx.procTablesForWrite(pid)
    pt.puds = trieSet(pt.puds, tx.epoch, vpn / HPAGE_PUD_NR, undefined)
  }
  const fw = writable(tx, f)
  fw.entire--
  pt.present--
  addOwner(fw, pid, -1)
  return true
}

/** setExclusive - set (1) or clear (0) PageAnonExclusive of pages [page, page + nr) of @f. */
export function setExclusive(tx: Txn, f: FolioRec, page: number, nr: number, value: 0 | 1): void {
  const fw = writable(tx, f)
  if (fw.exclusive === null) {
    if (value === 0) return
    fw.exclusive = newUint8Block(2 ** fw.order)
  }
  fw.exclusive.fill(value, page - fw.pfn, page - fw.pfn + nr)
}
