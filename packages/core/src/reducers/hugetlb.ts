import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, PAGES_PER_LEVEL } from '../rules/pageTableGeometry.ts'
import type {
  HugetlbAnonDuplicated, HugetlbPoolGrown, HugetlbPoolShrunk, HugetlbRmapAdded, HugetlbRmapRemoved, HvoOptimized, HvoRestored,
} from '../events/hugetlb.ts'
import type { FolioRec } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { checkInVma, clearEntries, entryAt, hex, installEntries, setExclusive } from './entries.ts'
import { allocate, isMapped } from './folio.ts'

function hugetlbFolio(tx: Txn, folio: number): FolioRec | undefined {
  const f = tx.folio(folio)
  if (f === undefined || f.kind !== 'hugetlb') {
    tx.violate(`folio ${hex(folio)} is not a HugeTLB folio`)
    return undefined
  }
  return f
}

/** hugetlb/rmapAdded: one PMD/PUD maps a whole HugeTLB folio. */
export function hugetlbRmapAdded(tx: Txn, e: HugetlbRmapAdded): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f === undefined) return
  if (e.mode === 'newAnon' && isMapped(f)) return tx.violate(`folio ${hex(f.pfn)} is not new: it is already mapped`)
  const v = tx.vmaAt(e.pid, e.vpn)
  if (v !== undefined && v.kind !== 'hugetlb') return tx.violate(`vpn ${hex(e.vpn)} of p${e.pid} is not in a hugetlb VMA`)
  const n = PAGES_PER_LEVEL[e.level]
  if (!checkInVma(tx, e.pid, e.vpn, n)) return
  if (!installEntries(tx, e.pid, e.vpn, f, f.pfn, n, e.level)) return
  if (e.mode === 'newAnon' || (e.mode === 'anon' && e.exclusive)) setExclusive(tx, f, f.pfn, 1, 1)
}

/** hugetlb/rmapRemoved */
export function hugetlbRmapRemoved(tx: Txn, e: HugetlbRmapRemoved): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f !== undefined) clearEntries(tx, e.pid, e.vpn, f, f.pfn, PAGES_PER_LEVEL[e.level], e.level)
}

/** hugetlb/anonDuplicated: fork copies a private HugeTLB entry; the folio loses anon-exclusive. */
export function hugetlbAnonDuplicated(tx: Txn, e: HugetlbAnonDuplicated): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f === undefined) return
  if (entryAt(tx.procTables(e.pid), e.vpn) !== f.pfn) return tx.violate(`parent p${e.pid} does not map folio ${hex(f.pfn)} at vpn ${hex(e.vpn)}`)
  const n = PAGES_PER_LEVEL[e.level]
  if (!checkInVma(tx, e.child, e.vpn, n)) return
  if (installEntries(tx, e.child, e.vpn, f, f.pfn, n, e.level)) setExclusive(tx, f, f.pfn, 1, 0)
}

/** hugetlb/poolGrown */
export function hugetlbPoolGrown(tx: Txn, e: HugetlbPoolGrown): void {
  if (e.order !== HPAGE_PMD_ORDER && e.order !== HPAGE_PUD_ORDER) return tx.violate(`HugeTLB folios here are of order 9 or 18, not ${e.order}`)
  allocate(tx, e.folio, e.order, 'hugetlb', 0, 0)
}

/** hugetlb/poolShrunk: only an unmapped folio with a restored vmemmap leaves the pool. */
export function hugetlbPoolShrunk(tx: Txn, e: HugetlbPoolShrunk): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f === undefined) return
  if (isMapped(f)) return tx.violate(`HugeTLB folio ${hex(f.pfn)} leaves the pool while mapped`)
  if (f.hvo) return tx.violate(`HugeTLB folio ${hex(f.pfn)} leaves the pool with its vmemmap still optimized`)
  tx.putFolio(f.pfn, undefined)
}

/** hvo/optimized */
export function hvoOptimized(tx: Txn, e: HvoOptimized): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f === undefined) return
  if (f.hvo) return tx.violate(`vmemmap of folio ${hex(f.pfn)} is already optimized`)
  tx.folioForWrite(f.pfn)!.hvo = true
}

/** hvo/restored */
export function hvoRestored(tx: Txn, e: HvoRestored): void {
  const f = hugetlbFolio(tx, e.folio)
  if (f === undefined) return
  if (!f.hvo) return tx.violate(`vmemmap of folio ${hex(f.pfn)} is not optimized`)
  tx.folioForWrite(f.pfn)!.hvo = false
}
