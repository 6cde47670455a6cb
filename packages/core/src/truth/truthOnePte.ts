import type { Pid } from '../events/common.ts'
import { CHUNK_PAGES, MAX_PFN, type FolioChunk } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import type { TruthState } from './truthState.ts'

/**
 * The fused fast paths of the commonest rmap events: one PTE mapping (or unmapping) an order-0 folio, as
 * faults, fork and COW emit them by the million. Each checks the whole precondition of its general reducer
 * (truthRmap.ts) with one chunk lookup and one PTE-table lookup and, when it holds, makes exactly the general
 * reducer's writes and returns true. When anything is off it writes nothing and returns false: the caller
 * then runs the general reducer, which finds the violation and words it. So the fast path can only be
 * conservative, never different.
 */

const MASK = CHUNK_PAGES - 1
const PRESENT = ProcTables.PRESENT

/** liveOrder0 - the chunk of @folio when it heads a live order-0 folio whose kind code is in the bit set @kinds, else undefined. */
function liveOrder0(t: TruthState, folio: number, kinds: number): FolioChunk | undefined {
  if (!(folio >= 0 && folio <= MAX_PFN)) return undefined
  const c = t.folios.chunk(folio)
  if (c === undefined) return undefined
  const j = folio & MASK
  return c.ord[j] === 1 && ((1 << c.kind[j]!) & kinds) !== 0 ? c : undefined
}

/** pteNone - the PTE of @vpn is none and no PMD/PUD leaf covers it (ptesMatch(pt, vpn, -1, 1) === -1). */
function pteNone(pt: ProcTables | undefined, vpn: number): boolean {
  if (pt === undefined) return true
  const k = Math.floor(vpn / PTRS_PER_PTE)
  const ptes = pt.table(k)
  if (pt.pudLeaf(vpn) !== undefined || (ptes === undefined && pt.pmdLeaf(k) !== undefined)) return false
  return ptes === undefined || ptes[vpn % PTRS_PER_PTE] === 0
}

/** pteMaps - the PTE of @vpn maps @page (ptesMatch(pt, vpn, page, 1) === -1). */
function pteMaps(pt: ProcTables | undefined, vpn: number, page: number): boolean {
  if (pt === undefined) return false
  const k = Math.floor(vpn / PTRS_PER_PTE)
  const ptes = pt.table(k)
  if (pt.pudLeaf(vpn) !== undefined || (ptes === undefined && pt.pmdLeaf(k) !== undefined)) return false
  return ptes !== undefined && ptes[vpn % PTRS_PER_PTE] === page + 1
}

/** inVma - vpn lies in a VMA of live process @pid (checkInVma(t, pid, vpn, 1) without the violation). */
function inVma(t: TruthState, pid: Pid, vpn: number): boolean {
  const v = t.vmaAt(pid, vpn)
  return v !== undefined && vpn + 1 <= v.end
}

/**
 * writePte - @pid's PTE at @vpn maps order-0 folio @folio (@delta 1) or is cleared (-1): writePtes + addOwner;
 * then PageAnonExclusive of the page is set to @excl (0 or 1; -1 leaves it).
 */
function writePte(t: TruthState, pid: Pid, vpn: number, folio: number, delta: 1 | -1, excl: number): void {
  const pt = t.procTablesForWrite(pid)
  const tab = pt.tableForWrite(Math.floor(vpn / PTRS_PER_PTE))
  const c = t.folios.chunkForWrite(folio)
  const j = folio & MASK
  tab[vpn % PTRS_PER_PTE] = delta > 0 ? folio + 1 : 0
  tab[PRESENT]! += delta
  const m = (c.maps[j]! += delta)
  if (delta > 0 ? m === 1 : m === 0) c.mapped[j]! += delta
  c.ptes[j]! += delta
  pt.present += delta
  c.addOwner(j, pid, delta)
  if (excl >= 0) c.excl[j] = excl
}

/**
 * onePteAdd - one PTE of @pid at @vpn maps order-0 folio @folio (kind in @kinds; with @fresh it must be
 * mapped nowhere yet) and the page's PageAnonExclusive becomes @excl (-1: unchanged), when every
 * precondition holds. @returns whether it was applied.
 */
export function onePteAdd(t: TruthState, pid: Pid, vpn: number, folio: number, kinds: number, fresh: boolean, excl: number): boolean {
  const c = liveOrder0(t, folio, kinds)
  if (c === undefined) return false
  if (fresh) {
    const j = folio & MASK
    if (c.entire[j]! > 0 || c.ptes[j]! > 0) return false
  }
  if (!inVma(t, pid, vpn) || !pteNone(t.procTables(pid), vpn)) return false
  writePte(t, pid, vpn, folio, 1, excl)
  return true
}

/** onePteRemove - @pid's PTE at @vpn, which maps order-0 folio @folio (kind in @kinds), is cleared. */
export function onePteRemove(t: TruthState, pid: Pid, vpn: number, folio: number, kinds: number): boolean {
  if (liveOrder0(t, folio, kinds) === undefined || !pteMaps(t.procTables(pid), vpn, folio)) return false
  writePte(t, pid, vpn, folio, -1, -1)
  return true
}

/** onePteDup - fork: @child's PTE at @vpn maps order-0 folio @folio as parent @pid's does; the page's PageAnonExclusive becomes @excl. */
export function onePteDup(t: TruthState, pid: Pid, child: Pid, vpn: number, folio: number, kinds: number, excl: number): boolean {
  if (liveOrder0(t, folio, kinds) === undefined || !pteMaps(t.procTables(pid), vpn, folio)) return false
  if (!inVma(t, child, vpn) || !pteNone(t.procTables(child), vpn)) return false
  writePte(t, child, vpn, folio, 1, excl)
  return true
}
