import type { Level, Pid } from '../events/common.ts'
import { CHUNK_PAGES, KIND_NAMES, MAX_PFN } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import type { TruthState } from './truthState.ts'

/**
 * Page-table entry installs and clears shared by every mapping reducer of {@link TruthState}. Each one first
 * checks its whole precondition and records a violation (changing nothing) when it does not hold, then
 * writes. Messages are the kernel's way of saying it (vpn/pfn in hex).
 */

const MASK = CHUNK_PAGES - 1
const PRESENT = ProcTables.PRESENT

/** hex - a vpn or pfn the way the kernel prints them. */
export function hex(n: number): string {
  return '0x' + n.toString(16)
}

/** pagesOfLevel - base pages one entry of @level maps. */
export function pagesOfLevel(level: Level): number {
  return level === 'pte' ? 1 : level === 'pmd' ? HPAGE_PMD_NR : HPAGE_PUD_NR
}

/** folioOrder - the order of the live folio with head @folio, or -1 (also for a PFN out of range). */
export function folioOrder(t: TruthState, folio: number): number {
  if (!(folio >= 0 && folio <= MAX_PFN)) return -1
  return t.folios.headOrder(folio)
}

/** kindOf - the kind code of live folio @head. */
export function kindOf(t: TruthState, head: number): number {
  return t.folios.chunk(head)!.kind[head & MASK]!
}

/** isMapped - does any entry map a page of live folio @head? */
export function isMapped(t: TruthState, head: number): boolean {
  const c = t.folios.chunk(head)!
  const j = head & MASK
  return c.entire[j]! > 0 || c.ptes[j]! > 0 || c.hgmPmdsAt(j) > 0
}

/** checkInVma - [vpn, vpn + nr) of live process @pid lies inside one VMA; else a violation. */
export function checkInVma(t: TruthState, pid: Pid, vpn: number, nr: number): boolean {
  const v = t.vmaAt(pid, vpn)
  if (v === undefined) {
    t.violate(t.vmas(pid) === null ? `process p${pid} is not live` : `vpn ${hex(vpn)} of p${pid} is outside every VMA`)
    return false
  }
  if (vpn + nr > v.end) {
    t.violate(`[${hex(vpn)}, ${hex(vpn + nr)}) of p${pid} extends past the VMA ending at ${hex(v.end)}`)
    return false
  }
  return true
}

/** checkFolioRange - folio @folio is live and [page, page + nr) lies inside it. @returns its order, or -1. */
export function checkFolioRange(t: TruthState, folio: number, page: number, nr: number): number {
  const order = folioOrder(t, folio)
  if (order < 0) {
    t.violate(`folio ${hex(folio)} is not allocated`)
    return -1
  }
  if (nr <= 0 || page < folio || page + nr > folio + (1 << order)) {
    t.violate(`pages [${hex(page)}, ${hex(page + nr)}) are not inside folio ${hex(folio)} of order ${order}`)
    return -1
  }
  return order
}

/** kindName - the FolioKind of code @k. */
export function kindName(k: number): string {
  return KIND_NAMES[k]!
}

/**
 * ptesMatch - the first vpn in [vpn, vpn + nr) whose PTE does not map page (page + offset), or -1.
 * @page = -1 asks for PTEs that are none. Walks PTE tables, not pages.
 */
export function ptesMatch(pt: ProcTables | undefined, vpn: number, page: number, nr: number): number {
  if (nr === 1) {
    // one PTE (order-0 folios: most events)
    const ptes = pt === undefined ? undefined : pt.table(Math.floor(vpn / PTRS_PER_PTE))
    if (pt !== undefined && (pt.pudLeaf(vpn) !== undefined || (ptes === undefined && pt.pmdLeaf(Math.floor(vpn / PTRS_PER_PTE)) !== undefined))) return vpn
    if (page < 0) return ptes === undefined || ptes[vpn % PTRS_PER_PTE] === 0 ? -1 : vpn
    return ptes !== undefined && ptes[vpn % PTRS_PER_PTE] === page + 1 ? -1 : vpn
  }
  let v = vpn
  const end = vpn + nr
  while (v < end) {
    const k = Math.floor(v / PTRS_PER_PTE)
    const stop = Math.min(end, k * PTRS_PER_PTE + PTRS_PER_PTE)
    const ptes = pt === undefined ? undefined : pt.table(k)
    if (pt !== undefined) {
      if (pt.pudLeaf(v) !== undefined) return v
      // a PMD leaf never shares its PMD index with a PTE table (installing one frees the table)
      if (ptes === undefined && pt.pmdLeaf(k) !== undefined) return v
    }
    if (page < 0) {
      if (ptes !== undefined && ptes[PRESENT]! > 0) for (let x = v; x < stop; x++) if (ptes[x % PTRS_PER_PTE] !== 0) return x
    } else {
      if (ptes === undefined) return v
      for (let x = v; x < stop; x++) if (ptes[x % PTRS_PER_PTE] !== page + (x - vpn) + 1) return x
    }
    v = stop
  }
  return -1
}

function leafCheck(t: TruthState, level: Level, vpn: number, folio: number, order: number): boolean {
  const n = pagesOfLevel(level)
  if (vpn % n !== 0) {
    t.violate(`${level} entry at unaligned vpn ${hex(vpn)}`)
    return false
  }
  if (1 << order !== n) {
    t.violate(`folio ${hex(folio)} of order ${order} cannot be mapped by one ${level} entry`)
    return false
  }
  return true
}

/** addPtes - PTEs [vpn, vpn + nr) of @pt now map pages [page, page + nr) of folio @head (no checks). */
function writePtes(t: TruthState, pt: ProcTables, vpn: number, head: number, page: number, nr: number, delta: 1 | -1): void {
  const folios = t.folios
  if (nr === 1 && page === head) {
    // an order-0 folio, or the head page: one PTE, one chunk
    const tab = pt.tableForWrite(Math.floor(vpn / PTRS_PER_PTE))
    const c = folios.chunkForWrite(head)
    const j = head & MASK
    tab[vpn % PTRS_PER_PTE] = delta > 0 ? head + 1 : 0
    tab[PRESENT]! += delta
    const m = (c.maps[j]! += delta)
    if (delta > 0 ? m === 1 : m === 0) c.mapped[j]! += delta
    c.ptes[j]! += delta
    pt.present += delta
    return
  }
  const hc = folios.chunkForWrite(head)
  const hj = head & MASK
  let p = page
  let v = vpn
  let left = nr
  let mapped = 0
  while (left > 0) {
    const tab = pt.tableForWrite(Math.floor(v / PTRS_PER_PTE))
    let j = v % PTRS_PER_PTE
    const stop = Math.min(PTRS_PER_PTE, j + left)
    const k = stop - j
    let c = folios.chunkForWrite(p)
    for (; j < stop; j++, p++) {
      if ((p & MASK) === 0) c = folios.chunkForWrite(p)
      if (delta > 0) {
        tab[j] = p + 1
        if (++c.maps[p & MASK]! === 1) mapped++
      } else {
        tab[j] = 0
        if (--c.maps[p & MASK]! === 0) mapped--
      }
    }
    tab[PRESENT]! += delta * k
    v += k
    left -= k
  }
  hc.mapped[hj]! += mapped
  hc.ptes[hj]! += delta * nr
  pt.present += delta * nr
}

/**
 * installEntries - @pid's entries at [vpn, ...) now map pages [page, page + nr) of folio @head (order
 * @order): nr PTEs at level 'pte', one leaf at 'pmd'/'pud' (then page must be the head and nr the folio's
 * size). Precondition: all those entries are none. @returns false (a violation recorded) when it does not hold.
 */
export function installEntries(t: TruthState, pid: Pid, vpn: number, head: number, order: number, page: number, nr: number, level: Level): boolean {
  let pt = t.procTables(pid)
  if (level === 'pte') {
    const busy = ptesMatch(pt, vpn, -1, nr)
    if (busy >= 0) {
      t.violate(`PTE at vpn ${hex(busy)} of p${pid} is already present`)
      return false
    }
    pt = t.procTablesForWrite(pid)
    writePtes(t, pt, vpn, head, page, nr, 1)
    t.folios.chunkForWrite(head).addOwner(head & MASK, pid, nr)
    return true
  }
  if (!leafCheck(t, level, vpn, head, order)) return false
  if (page !== head || nr !== 1 << order) {
    t.violate(`a ${level} entry maps the whole folio ${hex(head)}, not [${hex(page)}, ${hex(page + nr)})`)
    return false
  }
  if (level === 'pmd') {
    if (pt !== undefined && pt.pudLeaf(vpn) !== undefined) {
      t.violate(`vpn ${hex(vpn)} of p${pid} is inside a present PUD`)
      return false
    }
    const k = vpn / PTRS_PER_PTE
    if (pt !== undefined && (pt.pmdLeaf(k) !== undefined || (pt.table(k)?.[PRESENT] ?? 0) > 0)) {
      t.violate(`PMD at vpn ${hex(vpn)} of p${pid} is not none`)
      return false
    }
    pt = t.procTablesForWrite(pid)
    pt.pmds.set(k, head)
    pt.dropTable(k) // an empty PTE table is freed when a PMD leaf takes its place (collapse)
  } else {
    if (pt !== undefined && pt.pudLeaf(vpn) !== undefined) {
      t.violate(`PUD at vpn ${hex(vpn)} of p${pid} is already present`)
      return false
    }
    if (pt !== undefined) {
      for (let k = vpn / PTRS_PER_PTE; k < vpn / PTRS_PER_PTE + PTRS_PER_PTE; k++) {
        if (pt.pmdLeaf(k) !== undefined || (pt.table(k)?.[PRESENT] ?? 0) > 0) {
          t.violate(`PUD at vpn ${hex(vpn)} of p${pid} covers present entries`)
          return false
        }
      }
    }
    pt = t.procTablesForWrite(pid)
    pt.puds.set(vpn / HPAGE_PUD_NR, head)
  }
  const c = t.folios.chunkForWrite(head)
  c.entire[head & MASK]!++
  pt.present++
  c.addOwner(head & MASK, pid, 1)
  return true
}

/**
 * clearEntries - clear @pid's entries at [vpn, ...) that map [page, page + nr) of folio @head (see
 * installEntries). Precondition: every one of them is present and maps exactly that page.
 */
export function clearEntries(t: TruthState, pid: Pid, vpn: number, head: number, order: number, page: number, nr: number, level: Level): boolean {
  let pt = t.procTables(pid)
  if (pt === undefined) {
    t.violate(`p${pid} has no page tables`)
    return false
  }
  if (level === 'pte') {
    const bad = ptesMatch(pt, vpn, page, nr)
    if (bad >= 0) {
      const got = pt.entryAt(bad)
      t.violate(`PTE at vpn ${hex(bad)} of p${pid} ${got < 0 ? 'is none' : `maps ${hex(got)}`}, not page ${hex(page + bad - vpn)}`)
      return false
    }
    pt = t.procTablesForWrite(pid)
    writePtes(t, pt, vpn, head, page, nr, -1)
    t.folios.chunkForWrite(head).addOwner(head & MASK, pid, -nr)
    return true
  }
  if (!leafCheck(t, level, vpn, head, order)) return false
  if (level === 'pmd') {
    if (pt.pmdLeaf(vpn / PTRS_PER_PTE) !== head) {
      t.violate(`PMD at vpn ${hex(vpn)} of p${pid} does not map folio ${hex(head)}`)
      return false
    }
    pt = t.procTablesForWrite(pid)
    pt.pmds.delete(vpn / PTRS_PER_PTE)
  } else {
    if (pt.pudLeaf(vpn) !== head) {
      t.violate(`PUD at vpn ${hex(vpn)} of p${pid} does not map folio ${hex(head)}`)
      return false
    }
    pt = t.procTablesForWrite(pid)
    pt.puds.delete(vpn / HPAGE_PUD_NR)
  }
  const c = t.folios.chunkForWrite(head)
  c.entire[head & MASK]!--
  pt.present--
  c.addOwner(head & MASK, pid, -1)
  return true
}

/** setExclusive - set (1) or clear (0) PageAnonExclusive of pages [page, page + nr) (of one live folio). */
export function setExclusive(t: TruthState, page: number, nr: number, value: 0 | 1): void {
  const folios = t.folios
  if (nr === 1) {
    folios.chunkForWrite(page).excl[page & MASK] = value
    return
  }
  let p = page
  const end = page + nr
  while (p < end) {
    const c = folios.chunkForWrite(p)
    const stop = Math.min(end, (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES)
    c.excl.fill(value, p & MASK, (p & MASK) + (stop - p))
    p = stop
  }
}
