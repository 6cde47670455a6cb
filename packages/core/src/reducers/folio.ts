import type { FolioKind } from '../events/common.ts'
import type { FolioAllocated, FolioFreed, FolioMigrated, FolioSplit, FolioSplitFailed } from '../events/folio.ts'
import { trieFirstInRange, trieForEach, trieGet } from '../state/cowTrie.ts'
import type { FolioRec } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { hex } from './entries.ts'
import { MAX_FOLIO_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { alignedHead } from '../rules/folioHead.ts'

/** overlapping - a live folio overlapping [pfn, pfn + 2^order), if any (folios are naturally aligned). */
export function overlapping(tx: Txn, pfn: number, order: number): FolioRec | undefined {
  const census = tx.folioOrders
  let prev = -1
  let smaller = false
  for (let o = 0; o <= MAX_FOLIO_ORDER; o++) {
    if (census[o] === 0) continue
    if (o < order) smaller = true
    const head = alignedHead(pfn, o)
    if (head === prev) continue
    prev = head
    const f = trieGet(tx.folios, head)
    if (f !== undefined && head + 2 ** f.order > pfn) return f
  }
  if (order === 0 || !smaller) return undefined
  // folios that start inside the range
  const k = trieFirstInRange(tx.folios, pfn + 1, pfn + 2 ** order)
  return k < 0 ? undefined : trieGet(tx.folios, k)
}

/** newFolio - a fresh, unmapped folio record. */
export function newFolio(epoch: number, pfn: number, order: number, kind: FolioKind, file: number, index: number): FolioRec {
  return {
    e: epoch, pfn, order, kind, file, index,
    entire: 0, ptes: 0, pagesMapped: 0, hgmPmds: 0, pageMaps: null, exclusive: null, owners: [], hvo: false,
  }
}

/** allocate - shared by folio/allocated and hugetlb/poolGrown. */
export function allocate(tx: Txn, pfn: number, order: number, kind: FolioKind, file: number, index: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_FOLIO_ORDER) return tx.violate(`folio order ${order} is out of range`)
  if (pfn % 2 ** order !== 0) return tx.violate(`folio ${hex(pfn)} is not aligned to its order ${order}`)
  const o = overlapping(tx, pfn, order)
  if (o !== undefined) return tx.violate(`folio ${hex(pfn)} of order ${order} overlaps live folio ${hex(o.pfn)} of order ${o.order}`)
  tx.putFolio(pfn, newFolio(tx.epoch, pfn, order, kind, file, index))
}

/** isMapped - does any entry map a page of @f? */
export function isMapped(f: FolioRec): boolean {
  return f.entire > 0 || f.ptes > 0 || f.hgmPmds > 0
}

/** folio/allocated */
export function folioAllocated(tx: Txn, e: FolioAllocated): void {
  allocate(tx, e.folio, e.order, e.kind, e.file, e.index)
}

/** folio/freed: only an unmapped folio may be freed. */
export function folioFreed(tx: Txn, e: FolioFreed): void {
  const f = tx.folio(e.folio)
  if (f === undefined) return tx.violate(`free of folio ${hex(e.folio)}, which is not allocated`)
  if (isMapped(f)) return tx.violate(`free of folio ${hex(e.folio)}, which is still mapped ${f.entire + f.ptes + f.hgmPmds} times`)
  tx.putFolio(e.folio, undefined)
}

/** folio/splitFailed: a mark, no state change; a violation unless @folio is a live large splittable folio holding @page. */
export function folioSplitFailed(tx: Txn, e: FolioSplitFailed): void {
  const f = tx.folio(e.folio)
  if (f === undefined) return tx.violate(`failed split of folio ${hex(e.folio)}, which is not allocated`)
  if (f.kind === 'hugetlb' || f.kind === 'zero' || f.kind === 'hugezero') return tx.violate(`a ${f.kind} folio cannot be split`)
  if (f.order === 0) return tx.violate(`failed split of folio ${hex(e.folio)}, which is order 0`)
  if (!(e.page >= f.pfn && e.page < f.pfn + 2 ** f.order)) return tx.violate(`failed split of folio ${hex(e.folio)} at page ${hex(e.page)}, outside it`)
}

/** folio/split: a large folio becomes smaller ones; PTE mappings and anon-exclusive bits stay with their pages. */
export function folioSplit(tx: Txn, e: FolioSplit): void {
  const f = tx.folio(e.folio)
  if (f === undefined) return tx.violate(`split of folio ${hex(e.folio)}, which is not allocated`)
  if (f.kind === 'hugetlb' || f.kind === 'zero' || f.kind === 'hugezero') return tx.violate(`a ${f.kind} folio cannot be split`)
  if (!(e.newOrder >= 0 && e.newOrder < f.order)) return tx.violate(`split of an order-${f.order} folio to order ${e.newOrder}`)
  if (f.entire > 0) return tx.violate(`split of folio ${hex(f.pfn)} while a PMD/PUD maps it (split the PMD first)`)
  const n = 2 ** e.newOrder
  const parts = 2 ** (f.order - e.newOrder)
  const owners = ownersAfterSplit(tx, f, e.newOrder)
  for (let j = 0; j < parts; j++) {
    const rec = newFolio(tx.epoch, f.pfn + j * n, e.newOrder, f.kind, f.file, f.index + j * n)
    if (f.pageMaps !== null) {
      rec.pageMaps = f.pageMaps.slice(j * n, j * n + n)
      for (const c of rec.pageMaps) {
        if (c > 0) {
          rec.pagesMapped++
          rec.ptes += c
        }
      }
    }
    if (f.exclusive !== null) rec.exclusive = f.exclusive.slice(j * n, j * n + n)
    rec.owners = owners[j]!
    tx.putFolio(rec.pfn, rec)
  }
}

/** ownersAfterSplit - per new folio, the (pid, entries) pairs: a walk of the owners' page tables. */
function ownersAfterSplit(tx: Txn, f: FolioRec, newOrder: number): number[][] {
  const parts = 2 ** (f.order - newOrder)
  const out: number[][] = Array.from({ length: parts }, () => [])
  const lo = f.pfn
  const hi = f.pfn + 2 ** f.order
  for (let i = 0; i < f.owners.length; i += 2) {
    const pid = f.owners[i]!
    const counts = new Int32Array(parts)
    const pt = tx.procTables(pid)
    if (pt === undefined) continue
    trieForEach(pt.pmds, (_k, s) => {
      if (s.ptes === null || s.present === 0) return
      for (let j = 0; j < PTRS_PER_PTE; j++) {
        const p = s.ptes[j]! - 1
        if (p >= lo && p < hi) counts[Math.floor((p - lo) / 2 ** newOrder)]!++
      }
    })
    counts.forEach((c, j) => {
      if (c > 0) out[j]!.push(pid, c)
    })
  }
  return out
}

/** folio/migrated: an unmapped folio's identity moves to a new PFN range. */
export function folioMigrated(tx: Txn, e: FolioMigrated): void {
  const f = tx.folio(e.folio)
  if (f === undefined) return tx.violate(`migration of folio ${hex(e.folio)}, which is not allocated`)
  if (isMapped(f)) return tx.violate(`migration of folio ${hex(e.folio)} while it is mapped (unmap to migration entries first)`)
  if (e.newFolio % 2 ** f.order !== 0) return tx.violate(`migration target ${hex(e.newFolio)} is not aligned to order ${f.order}`)
  tx.putFolio(f.pfn, undefined)
  const o = overlapping(tx, e.newFolio, f.order)
  if (o !== undefined) {
    tx.putFolio(f.pfn, f)
    return tx.violate(`migration target ${hex(e.newFolio)} overlaps live folio ${hex(o.pfn)}`)
  }
  tx.putFolio(e.newFolio, { ...newFolio(tx.epoch, e.newFolio, f.order, f.kind, f.file, f.index), exclusive: f.exclusive?.slice() ?? null, hvo: f.hvo })
}
