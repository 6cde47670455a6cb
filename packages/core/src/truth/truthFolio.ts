import type { FolioKind } from '../events/common.ts'
import type { FolioAllocated, FolioFreed, FolioMigrated, FolioSplit, FolioSplitFailed } from '../events/folio.ts'
import type {
  HugetlbAnonDuplicated, HugetlbPoolGrown, HugetlbPoolShrunk, HugetlbRmapAdded, HugetlbRmapRemoved, HvoOptimized, HvoRestored,
} from '../events/hugetlb.ts'
import { CHUNK_PAGES, KIND, MAX_PFN, type FolioChunk } from './folioStore.ts'
import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, MAX_FOLIO_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import { checkInVma, clearEntries, hex, installEntries, isMapped, kindName, kindOf, pagesOfLevel, setExclusive } from './truthEntries.ts'
import type { TruthState } from './truthState.ts'

/** The folio and HugeTLB reducers of {@link TruthState}: core/src/reducers/{folio,hugetlb}.ts's rules and messages. */

const MASK = CHUNK_PAGES - 1
/** overlapping - the head of a live folio overlapping [pfn, pfn + 2^order), or -1 (folios are naturally aligned). */
function overlapping(t: TruthState, pfn: number, order: number): number {
  const h = t.folios.headOf(pfn)
  if (h >= 0) return h
  return order === 0 ? -1 : t.folios.firstCovered(pfn + 1, pfn + (1 << order))
}

/** putFolio - install a fresh, unmapped folio at @pfn (the range is known to be free). */
function putFolio(t: TruthState, pfn: number, order: number, kind: number, file: number, index: number): FolioChunk {
  const fs = t.folios
  fs.setOrderRange(pfn, 1 << order, order)
  const c = fs.chunkForWrite(pfn)
  const j = pfn & MASK
  c.kind[j] = kind
  c.file[j] = file
  c.index[j] = index
  c.hvo[j] = 0
  c.entire[j] = 0
  c.ptes[j] = 0
  c.mapped[j] = 0
  if (c.hgmPmds !== null) c.hgmPmds[j] = 0
  fs.census[order]!++
  return c
}

/** dropFolio - folio @pfn of @order is gone: its pages are uncovered, their counters and PAE bits cleared. */
function dropFolio(t: TruthState, pfn: number, order: number): void {
  const fs = t.folios
  const c = fs.chunkForWrite(pfn)
  c.clearOwners(pfn & MASK)
  const n = 1 << order
  fs.census[order]!--
  if (n === 1) {
    // the order-0 fast path: one page of one chunk
    const j = pfn & MASK
    c.maps[j] = 0
    c.excl[j] = 0
    c.ord[j] = 0
    c.pages--
    fs.dropIfEmpty(c, pfn)
    return
  }
  fs.forEachPiece(pfn, n, (p, j0, j1) => {
    p.maps.fill(0, j0, j1)
    p.excl.fill(0, j0, j1)
  })
  fs.setOrderRange(pfn, n, -1)
  let p = pfn
  while (p < pfn + n) {
    const ch = fs.chunk(p)
    if (ch !== undefined) fs.dropIfEmpty(ch, p)
    p = (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES
  }
}

/** allocate - shared by folio/allocated and hugetlb/poolGrown. */
function allocate(t: TruthState, pfn: number, order: number, kind: number, file: number, index: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_FOLIO_ORDER) return t.violate(`folio order ${order} is out of range`)
  const n = 1 << order
  if (pfn % n !== 0) return t.violate(`folio ${hex(pfn)} is not aligned to its order ${order}`)
  if (!(pfn >= 0 && pfn + n - 1 <= MAX_PFN)) return t.violate(`folio ${hex(pfn)} of order ${order} lies beyond the largest PFN ${hex(MAX_PFN)}`)
  const o = overlapping(t, pfn, order)
  if (o >= 0) return t.violate(`folio ${hex(pfn)} of order ${order} overlaps live folio ${hex(o)} of order ${t.folios.orderAt(o)}`)
  putFolio(t, pfn, order, kind, file, index)
}

const KIND_BY_NAME: Readonly<Record<FolioKind, number>> = KIND

/** folio/allocated */
export function folioAllocated(t: TruthState, e: FolioAllocated): void {
  allocate(t, e.folio, e.order, KIND_BY_NAME[e.kind], e.file, e.index)
}

/** folioAllocatedAt - folio/allocated by its fields (@kind: a KIND code; the column dispatch's entry). */
export function folioAllocatedAt(t: TruthState, folio: number, order: number, kind: number, file: number, index: number): void {
  allocate(t, folio, order, kind, file, index)
}

/** liveOrder - the order of the live folio headed at @pfn, or -1. */
function liveOrder(t: TruthState, pfn: number): number {
  return pfn >= 0 && pfn <= MAX_PFN ? t.folios.headOrder(pfn) : -1
}

/** folio/freed: only an unmapped folio may be freed. */
export function folioFreed(t: TruthState, e: FolioFreed): void {
  folioFreedAt(t, e.folio)
}

/** folioFreedAt - folio/freed by its field. */
export function folioFreedAt(t: TruthState, folio: number): void {
  const order = liveOrder(t, folio)
  if (order < 0) return t.violate(`free of folio ${hex(folio)}, which is not allocated`)
  const c = t.folios.chunk(folio)!
  const j = folio & MASK
  const n = c.entire[j]! + c.ptes[j]! + c.hgmPmdsAt(j)
  if (n > 0) return t.violate(`free of folio ${hex(folio)}, which is still mapped ${n} times`)
  dropFolio(t, folio, order)
}

/** folio/splitFailed: a mark, no state change; a violation unless @folio is a live large splittable folio holding @page. */
export function folioSplitFailed(t: TruthState, e: FolioSplitFailed): void {
  const order = liveOrder(t, e.folio)
  if (order < 0) return t.violate(`failed split of folio ${hex(e.folio)}, which is not allocated`)
  const kind = t.folios.chunk(e.folio)!.kind[e.folio & MASK]!
  if (kind === KIND.hugetlb || kind === KIND.zero || kind === KIND.hugezero) return t.violate(`a ${kindName(kind)} folio cannot be split`)
  if (order === 0) return t.violate(`failed split of folio ${hex(e.folio)}, which is order 0`)
  if (!(e.page >= e.folio && e.page < e.folio + 2 ** order)) return t.violate(`failed split of folio ${hex(e.folio)} at page ${hex(e.page)}, outside it`)
}

/** folio/split: a large folio becomes smaller ones; PTE mappings and anon-exclusive bits stay with their pages. */
export function folioSplit(t: TruthState, e: FolioSplit): void {
  const order = liveOrder(t, e.folio)
  if (order < 0) return t.violate(`split of folio ${hex(e.folio)}, which is not allocated`)
  const fs = t.folios
  const c0 = fs.chunk(e.folio)!
  const j0 = e.folio & MASK
  const kind = c0.kind[j0]!
  if (kind === KIND.hugetlb || kind === KIND.zero || kind === KIND.hugezero) return t.violate(`a ${kindName(kind)} folio cannot be split`)
  if (!(e.newOrder >= 0 && e.newOrder < order)) return t.violate(`split of an order-${order} folio to order ${e.newOrder}`)
  if (c0.entire[j0]! > 0) return t.violate(`split of folio ${hex(e.folio)} while a PMD/PUD maps it (split the PMD first)`)
  const n = 2 ** e.newOrder
  const parts = 2 ** (order - e.newOrder)
  const owners = ownersAfterSplit(t, e.folio, order, e.newOrder, c0.ownerList(j0))
  const file = c0.file[j0]!
  const index = c0.index[j0]!
  fs.chunkForWrite(e.folio).clearOwners(j0)
  fs.census[order]!--
  for (let k = 0; k < parts; k++) {
    const head = e.folio + k * n
    fs.setOrderRange(head, n, e.newOrder)
    const c = fs.chunkForWrite(head)
    const j = head & MASK
    c.kind[j] = kind
    c.file[j] = file
    c.index[j] = index + k * n
    c.hvo[j] = 0
    c.entire[j] = 0
    let ptes = 0
    let mapped = 0
    for (let p = head; p < head + n; p++) {
      const m = fs.chunk(p)!.maps[p & MASK]!
      if (m > 0) {
        mapped++
        ptes += m
      }
    }
    c.ptes[j] = ptes
    c.mapped[j] = mapped
    const own = owners[k]!
    for (let i = 0; i < own.length; i += 2) c.addOwner(j, own[i]!, own[i + 1]!)
    fs.census[e.newOrder]!++
  }
}

/** ownersAfterSplit - per new folio, the (pid, entries) pairs: a walk of the owners' PTE tables. */
function ownersAfterSplit(t: TruthState, head: number, order: number, newOrder: number, owners: number[]): number[][] {
  const parts = 2 ** (order - newOrder)
  const out: number[][] = Array.from({ length: parts }, () => [])
  const hi = head + 2 ** order
  for (let i = 0; i < owners.length; i += 2) {
    const pid = owners[i]!
    const counts = new Int32Array(parts)
    const pt = t.procTables(pid)
    if (pt === undefined) continue
    for (const tab of pt.ptes.values()) {
      if (tab[PTRS_PER_PTE] === 0) continue
      for (let j = 0; j < PTRS_PER_PTE; j++) {
        const p = tab[j]! - 1
        if (p >= head && p < hi) counts[Math.floor((p - head) / 2 ** newOrder)]!++
      }
    }
    counts.forEach((c, j) => {
      if (c > 0) out[j]!.push(pid, c)
    })
  }
  return out
}

/** folio/migrated: an unmapped folio's identity moves to a new PFN range. */
export function folioMigrated(t: TruthState, e: FolioMigrated): void {
  const order = liveOrder(t, e.folio)
  if (order < 0) return t.violate(`migration of folio ${hex(e.folio)}, which is not allocated`)
  if (isMapped(t, e.folio)) return t.violate(`migration of folio ${hex(e.folio)} while it is mapped (unmap to migration entries first)`)
  if (e.newFolio % 2 ** order !== 0) return t.violate(`migration target ${hex(e.newFolio)} is not aligned to order ${order}`)
  const n = 2 ** order
  if (!(e.newFolio >= 0 && e.newFolio + n - 1 <= MAX_PFN)) return t.violate(`migration target ${hex(e.newFolio)} lies beyond the largest PFN ${hex(MAX_PFN)}`)
  const c = t.folios.chunk(e.folio)!
  const j = e.folio & MASK
  const kind = c.kind[j]!
  const file = c.file[j]!
  const index = c.index[j]!
  const hvo = c.hvo[j]!
  const excl = new Uint8Array(n)
  for (let p = 0; p < n; p++) excl[p] = t.folios.chunk(e.folio + p)!.excl[(e.folio + p) & MASK]!
  dropFolio(t, e.folio, order)
  const o = overlapping(t, e.newFolio, order)
  if (o >= 0) {
    const back = putFolio(t, e.folio, order, kind, file, index)
    back.hvo[j] = hvo
    restoreExcl(t, e.folio, excl)
    return t.violate(`migration target ${hex(e.newFolio)} overlaps live folio ${hex(o)}`)
  }
  const nc = putFolio(t, e.newFolio, order, kind, file, index)
  nc.hvo[e.newFolio & MASK] = hvo
  restoreExcl(t, e.newFolio, excl)
}

function restoreExcl(t: TruthState, head: number, excl: Uint8Array): void {
  for (let p = 0; p < excl.length; p++) if (excl[p] !== 0) t.folios.chunkForWrite(head + p).excl[(head + p) & MASK] = excl[p]!
}

// ---- HugeTLB ----

function hugetlbFolio(t: TruthState, folio: number): number {
  const order = liveOrder(t, folio)
  if (order < 0 || kindOf(t, folio) !== KIND.hugetlb) {
    t.violate(`folio ${hex(folio)} is not a HugeTLB folio`)
    return -1
  }
  return order
}

/** hugetlb/rmapAdded: one PMD/PUD maps a whole HugeTLB folio. */
export function hugetlbRmapAdded(t: TruthState, e: HugetlbRmapAdded): void {
  const order = hugetlbFolio(t, e.folio)
  if (order < 0) return
  if (e.mode === 'newAnon' && isMapped(t, e.folio)) return t.violate(`folio ${hex(e.folio)} is not new: it is already mapped`)
  const v = t.vmaAt(e.pid, e.vpn)
  if (v !== undefined && v.kind !== 'hugetlb') return t.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a hugetlb VMA`)
  const n = pagesOfLevel(e.level)
  if (!checkInVma(t, e.pid, e.vpn, n)) return
  if (!installEntries(t, e.pid, e.vpn, e.folio, order, e.folio, n, e.level)) return
  if (e.mode === 'newAnon' || (e.mode === 'anon' && e.exclusive)) setExclusive(t, e.folio, 1, 1)
}

/** hugetlb/rmapRemoved */
export function hugetlbRmapRemoved(t: TruthState, e: HugetlbRmapRemoved): void {
  const order = hugetlbFolio(t, e.folio)
  if (order >= 0) clearEntries(t, e.pid, e.vpn, e.folio, order, e.folio, pagesOfLevel(e.level), e.level)
}

/** hugetlb/anonDuplicated: fork copies a private HugeTLB entry; the folio loses anon-exclusive. */
export function hugetlbAnonDuplicated(t: TruthState, e: HugetlbAnonDuplicated): void {
  const order = hugetlbFolio(t, e.folio)
  if (order < 0) return
  if ((t.procTables(e.pid)?.entryAt(e.vpn) ?? -1) !== e.folio) return t.violate(`parent p${e.pid} does not map folio ${hex(e.folio)} at vpn ${hex(e.vpn)}`)
  const n = pagesOfLevel(e.level)
  if (!checkInVma(t, e.child, e.vpn, n)) return
  if (installEntries(t, e.child, e.vpn, e.folio, order, e.folio, n, e.level)) setExclusive(t, e.folio, 1, 0)
}

/** hugetlb/poolGrown */
export function hugetlbPoolGrown(t: TruthState, e: HugetlbPoolGrown): void {
  if (e.order !== HPAGE_PMD_ORDER && e.order !== HPAGE_PUD_ORDER) return t.violate(`HugeTLB folios here are of order 9 or 18, not ${e.order}`)
  allocate(t, e.folio, e.order, KIND.hugetlb, 0, 0)
}

/** hugetlb/poolShrunk: only an unmapped folio with a restored vmemmap leaves the pool. */
export function hugetlbPoolShrunk(t: TruthState, e: HugetlbPoolShrunk): void {
  const order = hugetlbFolio(t, e.folio)
  if (order < 0) return
  if (isMapped(t, e.folio)) return t.violate(`HugeTLB folio ${hex(e.folio)} leaves the pool while mapped`)
  if (t.folios.chunk(e.folio)!.hvo[e.folio & MASK] === 1) return t.violate(`HugeTLB folio ${hex(e.folio)} leaves the pool with its vmemmap still optimized`)
  dropFolio(t, e.folio, order)
}

/** hvo/optimized */
export function hvoOptimized(t: TruthState, e: HvoOptimized): void {
  if (hugetlbFolio(t, e.folio) < 0) return
  if (t.folios.chunk(e.folio)!.hvo[e.folio & MASK] === 1) return t.violate(`vmemmap of folio ${hex(e.folio)} is already optimized`)
  t.folios.chunkForWrite(e.folio).hvo[e.folio & MASK] = 1
}

/** hvo/restored */
export function hvoRestored(t: TruthState, e: HvoRestored): void {
  if (hugetlbFolio(t, e.folio) < 0) return
  if (t.folios.chunk(e.folio)!.hvo[e.folio & MASK] !== 1) return t.violate(`vmemmap of folio ${hex(e.folio)} is not optimized`)
  t.folios.chunkForWrite(e.folio).hvo[e.folio & MASK] = 0
}
