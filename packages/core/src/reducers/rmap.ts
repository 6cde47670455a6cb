import { HPAGE_PMD_NR, PAGES_PER_LEVEL, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import type {
  AnonRmapAdded, AnonRmapDuplicated, AnonRmapReused, AnonRmapShared, CollapseCompleted, FileRmapAdded,
  FileRmapDuplicated, NewAnonRmapAdded, PmdRemapped, RmapRemoved, ZeroPageMapped, ZeroPageUnmapped,
} from '../events/rmap.ts'
import { trieGet } from '../state/cowTrie.ts'
import type { FolioRec } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'
import { checkFolioRange, checkInVma, clearEntries, entryAt, hex, installEntries, ptesMatch, setExclusive } from './entries.ts'
import { isMapped } from './folio.ts'
import { addOwner } from './owners.ts'
import { newInt32Block } from '../state/blocks.ts'

type Kinds = FolioRec['kind'][]
const ANON: Kinds = ['anon']
const FILE: Kinds = ['file', 'shmem']
const MAPPABLE: Kinds = ['anon', 'file', 'shmem']

function folioFor(tx: Txn, folio: number, page: number, nr: number, kinds: Kinds): FolioRec | undefined {
  const f = tx.folio(folio)
  if (!checkFolioRange(tx, f, folio, page, nr)) return undefined
  if (!kinds.includes(f.kind)) {
    tx.violate(`folio ${hex(folio)} is ${f.kind}, expected ${kinds.join(' or ')}`)
    return undefined
  }
  return f
}

function levelPages(tx: Txn, level: 'pte' | 'pmd' | 'pud', nr: number): number | undefined {
  const n = level === 'pte' ? nr : PAGES_PER_LEVEL[level]
  if (level !== 'pte' && nr !== n) {
    tx.violate(`a ${level} entry covers ${n} pages, not ${nr}`)
    return undefined
  }
  return n
}

function add(tx: Txn, e: NewAnonRmapAdded | AnonRmapAdded | FileRmapAdded, kinds: Kinds): FolioRec | undefined {
  const n = levelPages(tx, e.level, e.nrPages)
  if (n === undefined) return undefined
  const f = folioFor(tx, e.folio, e.page, n, kinds)
  if (f === undefined || !checkInVma(tx, e.pid, e.vpn, n)) return undefined
  return installEntries(tx, e.pid, e.vpn, f, e.page, n, e.level) ? f : undefined
}

function exclusiveRange(tx: Txn, f: FolioRec, level: 'pte' | 'pmd' | 'pud', page: number, nr: number): void {
  // PageAnonExclusive of a PMD/PUD mapping lives on the head page only
  if (level === 'pte') setExclusive(tx, f, page, nr, 1)
  else setExclusive(tx, f, f.pfn, 1, 1)
}

/** rmap/newAnonAdded: a fresh anon folio mapped exclusively. */
export function newAnonRmapAdded(tx: Txn, e: NewAnonRmapAdded): void {
  const f0 = tx.folio(e.folio)
  if (f0 !== undefined && isMapped(f0)) return tx.violate(`folio ${hex(e.folio)} is not new: it is already mapped`)
  const f = add(tx, e, ANON)
  if (f !== undefined) exclusiveRange(tx, f, e.level, e.page, e.nrPages)
}

/** rmap/anonAdded */
export function anonRmapAdded(tx: Txn, e: AnonRmapAdded): void {
  const f = add(tx, e, ANON)
  if (f !== undefined && e.exclusive) exclusiveRange(tx, f, e.level, e.page, e.nrPages)
}

/** rmap/fileAdded */
export function fileRmapAdded(tx: Txn, e: FileRmapAdded): void {
  add(tx, e, FILE)
}

/** rmap/removed */
export function rmapRemoved(tx: Txn, e: RmapRemoved): void {
  const n = levelPages(tx, e.level, e.nrPages)
  if (n === undefined) return
  const f = folioFor(tx, e.folio, e.page, n, MAPPABLE)
  if (f === undefined) return
  clearEntries(tx, e.pid, e.vpn, f, e.page, n, e.level)
}

function dup(tx: Txn, e: AnonRmapDuplicated | FileRmapDuplicated, kinds: Kinds): FolioRec | undefined {
  const n = levelPages(tx, e.level, e.nrPages)
  if (n === undefined) return undefined
  const f = folioFor(tx, e.folio, e.page, n, kinds)
  if (f === undefined) return undefined
  const ppt = tx.procTables(e.pid)
  const bad = e.level === 'pte' ? ptesMatch(ppt, e.vpn, e.page, n) : entryAt(ppt, e.vpn) === e.page ? -1 : e.vpn
  if (bad >= 0) {
    tx.violate(`parent p${e.pid} does not map page ${hex(e.page + bad - e.vpn)} at vpn ${hex(bad)}`)
    return undefined
  }
  if (!checkInVma(tx, e.child, e.vpn, n)) return undefined
  return installEntries(tx, e.child, e.vpn, f, e.page, n, e.level) ? f : undefined
}

/** rmap/anonDuplicated: fork copies anon entries; the pages lose anon-exclusive. */
export function anonRmapDuplicated(tx: Txn, e: AnonRmapDuplicated): void {
  const f = dup(tx, e, ANON)
  if (f !== undefined) setExclusive(tx, f, e.page, e.level === 'pte' ? e.nrPages : 2 ** f.order, 0)
}

/** rmap/fileDuplicated */
export function fileRmapDuplicated(tx: Txn, e: FileRmapDuplicated): void {
  dup(tx, e, FILE)
}

/** rmap/anonShared: pages lose anon-exclusive. */
export function anonRmapShared(tx: Txn, e: AnonRmapShared): void {
  const f = folioFor(tx, e.folio, e.page, e.nrPages, ANON)
  if (f !== undefined) setExclusive(tx, f, e.page, e.nrPages, 0)
}

/** rmap/anonReused: pages become anon-exclusive again (COW reuse). */
export function anonRmapReused(tx: Txn, e: AnonRmapReused): void {
  const f = folioFor(tx, e.folio, e.page, e.nrPages, ANON)
  if (f !== undefined) setExclusive(tx, f, e.page, e.nrPages, 1)
}

/** pmd/remapped: split_huge_pmd: one PMD becomes 512 PTEs mapping the same pages. */
export function pmdRemapped(tx: Txn, e: PmdRemapped): void {
  const pt0 = tx.procTables(e.pid)
  const s0 = pt0 === undefined ? undefined : trieGet(pt0.pmds, Math.floor(e.vpn / HPAGE_PMD_NR))
  if (e.vpn % HPAGE_PMD_NR !== 0 || s0 === undefined || s0.huge !== e.folio) {
    return tx.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} does not map folio ${hex(e.folio)}`)
  }
  const f = tx.folioForWrite(e.folio)!
  const pt = tx.procTablesForWrite(e.pid)
  const s = tx.pmdSlotForWrite(pt, e.vpn / HPAGE_PMD_NR)
  s.huge = -1
  const ptes = s.ptes ?? newInt32Block(PTRS_PER_PTE)
  if (f.pageMaps === null) f.pageMaps = newInt32Block(HPAGE_PMD_NR)
  for (let i = 0; i < PTRS_PER_PTE; i++) {
    ptes[i] = f.pfn + i + 1
    if (++f.pageMaps[i]! === 1) f.pagesMapped++
  }
  s.ptes = ptes
  s.present = PTRS_PER_PTE
  f.entire--
  f.ptes += HPAGE_PMD_NR
  pt.present += HPAGE_PMD_NR - 1
  addOwner(f, e.pid, HPAGE_PMD_NR - 1)
  if (f.kind === 'anon' && f.exclusive !== null && f.exclusive[0] === 1) f.exclusive.fill(1)
}

/** collapse/completed: marker; the PMD must now map the new folio. */
export function collapseCompleted(tx: Txn, e: CollapseCompleted): void {
  const pt = tx.procTables(e.pid)
  const s = pt === undefined ? undefined : trieGet(pt.pmds, Math.floor(e.vpn / HPAGE_PMD_NR))
  if (s === undefined || s.huge !== e.folio) tx.violate(`after collapse the PMD at vpn ${hex(e.vpn)} of p${e.pid} does not map folio ${hex(e.folio)}`)
}

function zeroFolio(tx: Txn, folio: number, level: 'pte' | 'pmd' | 'pud'): FolioRec | undefined {
  const want = level === 'pte' ? 'zero' : 'hugezero'
  const f = tx.folio(folio)
  if (f === undefined || f.kind !== want) {
    tx.violate(`folio ${hex(folio)} is not the ${want === 'zero' ? 'shared zero page' : 'huge zero folio'}`)
    return undefined
  }
  return f
}

/** zeropage/mapped: a special entry for the zero page: present, no rmap. */
export function zeroPageMapped(tx: Txn, e: ZeroPageMapped): void {
  const f = zeroFolio(tx, e.folio, e.level)
  if (f === undefined) return
  const n = PAGES_PER_LEVEL[e.level]
  if (!checkInVma(tx, e.pid, e.vpn, n)) return
  installEntries(tx, e.pid, e.vpn, f, f.pfn, n, e.level)
}

/** zeropage/unmapped */
export function zeroPageUnmapped(tx: Txn, e: ZeroPageUnmapped): void {
  const f = zeroFolio(tx, e.folio, e.level)
  if (f !== undefined) clearEntries(tx, e.pid, e.vpn, f, f.pfn, PAGES_PER_LEVEL[e.level], e.level)
}
