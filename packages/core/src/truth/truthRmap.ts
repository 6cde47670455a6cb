import type {
  AnonRmapAdded, AnonRmapDuplicated, AnonRmapReused, AnonRmapShared, CollapseCompleted, FileRmapAdded,
  FileRmapDuplicated, NewAnonRmapAdded, PmdRemapped, RmapRemoved, ZeroPageMapped, ZeroPageUnmapped,
} from '../events/rmap.ts'
import { CHUNK_PAGES, KIND } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import type { Level } from '../events/common.ts'
import {
  checkFolioRange, checkInVma, clearEntries, hex, installEntries, isMapped, kindName, kindOf, pagesOfLevel, ptesMatch, setExclusive,
} from './truthEntries.ts'
import { onePteAdd, onePteDup, onePteRemove } from './truthOnePte.ts'
import type { TruthState } from './truthState.ts'

/** The rmap reducers of {@link TruthState}: the same preconditions and messages as core/src/reducers/rmap.ts. */

const MASK = CHUNK_PAGES - 1
const PRESENT = ProcTables.PRESENT

/** kind sets as bit masks over KIND codes, with their names for messages */
const ANON = 1 << KIND.anon
const FILE = (1 << KIND.file) | (1 << KIND.shmem)
const MAPPABLE = ANON | FILE
const KIND_SET_NAMES: Record<number, string> = { [ANON]: 'anon', [FILE]: 'file or shmem', [MAPPABLE]: 'anon or file or shmem' }

/** folioFor - order of live folio @folio holding [page, page + nr) and of a kind in @kinds, else -1 (a violation). */
function folioFor(t: TruthState, folio: number, page: number, nr: number, kinds: number): number {
  const order = checkFolioRange(t, folio, page, nr)
  if (order < 0) return -1
  const k = kindOf(t, folio)
  if (((1 << k) & kinds) === 0) {
    t.violate(`folio ${hex(folio)} is ${kindName(k)}, expected ${KIND_SET_NAMES[kinds]}`)
    return -1
  }
  return order
}

function levelPages(t: TruthState, level: 'pte' | 'pmd' | 'pud', nr: number): number {
  const n = level === 'pte' ? nr : pagesOfLevel(level)
  if (level !== 'pte' && nr !== n) {
    t.violate(`a ${level} entry covers ${n} pages, not ${nr}`)
    return -1
  }
  return n
}

function add(t: TruthState, pid: number, vpn: number, folio: number, page: number, nr: number, level: Level, kinds: number): boolean {
  const n = levelPages(t, level, nr)
  if (n < 0) return false
  const order = folioFor(t, folio, page, n, kinds)
  if (order < 0 || !checkInVma(t, pid, vpn, n)) return false
  return installEntries(t, pid, vpn, folio, order, page, n, level)
}

function exclusiveRange(t: TruthState, head: number, level: 'pte' | 'pmd' | 'pud', page: number, nr: number): void {
  // PageAnonExclusive of a PMD/PUD mapping lives on the head page only
  if (level === 'pte') setExclusive(t, page, nr, 1)
  else setExclusive(t, head, 1, 1)
}

/** rmap/newAnonAdded: a fresh anon folio mapped exclusively. */
export function newAnonRmapAdded(t: TruthState, e: NewAnonRmapAdded): void {
  newAnonAddedAt(t, e.pid, e.vpn, e.folio, e.page, e.nrPages, e.level)
}

/** newAnonAddedAt - rmap/newAnonAdded by its fields (the column dispatch's entry; no event object). */
export function newAnonAddedAt(t: TruthState, pid: number, vpn: number, folio: number, page: number, nr: number, level: Level): void {
  if (level === 'pte' && nr === 1 && page === folio && onePteAdd(t, pid, vpn, folio, ANON, true, 1)) return
  if (t.folios.headOrder(folio) >= 0 && isMapped(t, folio)) return t.violate(`folio ${hex(folio)} is not new: it is already mapped`)
  if (add(t, pid, vpn, folio, page, nr, level, ANON)) exclusiveRange(t, folio, level, page, nr)
}

/** rmap/anonAdded */
export function anonRmapAdded(t: TruthState, e: AnonRmapAdded): void {
  if (add(t, e.pid, e.vpn, e.folio, e.page, e.nrPages, e.level, ANON) && e.exclusive) exclusiveRange(t, e.folio, e.level, e.page, e.nrPages)
}

/** rmap/fileAdded */
export function fileRmapAdded(t: TruthState, e: FileRmapAdded): void {
  add(t, e.pid, e.vpn, e.folio, e.page, e.nrPages, e.level, FILE)
}

/** rmap/removed */
export function rmapRemoved(t: TruthState, e: RmapRemoved): void {
  rmapRemovedAt(t, e.pid, e.vpn, e.folio, e.page, e.nrPages, e.level)
}

/** rmapRemovedAt - rmap/removed by its fields. */
export function rmapRemovedAt(t: TruthState, pid: number, vpn: number, folio: number, page: number, nr: number, level: Level): void {
  if (level === 'pte' && nr === 1 && page === folio && onePteRemove(t, pid, vpn, folio, MAPPABLE)) return
  const n = levelPages(t, level, nr)
  if (n < 0) return
  const order = folioFor(t, folio, page, n, MAPPABLE)
  if (order < 0) return
  clearEntries(t, pid, vpn, folio, order, page, n, level)
}

function dup(t: TruthState, pid: number, child: number, vpn: number, folio: number, page: number, nr: number, level: Level, kinds: number): number {
  const n = levelPages(t, level, nr)
  if (n < 0) return -1
  const order = folioFor(t, folio, page, n, kinds)
  if (order < 0) return -1
  const ppt = t.procTables(pid)
  const bad = level === 'pte' ? ptesMatch(ppt, vpn, page, n) : (ppt?.entryAt(vpn) ?? -1) === page ? -1 : vpn
  if (bad >= 0) {
    t.violate(`parent p${pid} does not map page ${hex(page + bad - vpn)} at vpn ${hex(bad)}`)
    return -1
  }
  if (!checkInVma(t, child, vpn, n)) return -1
  return installEntries(t, child, vpn, folio, order, page, n, level) ? order : -1
}

/** rmap/anonDuplicated: fork copies anon entries; the pages lose anon-exclusive. */
export function anonRmapDuplicated(t: TruthState, e: AnonRmapDuplicated): void {
  anonDuplicatedAt(t, e.pid, e.child, e.vpn, e.folio, e.page, e.nrPages, e.level)
}

/** anonDuplicatedAt - rmap/anonDuplicated by its fields. */
export function anonDuplicatedAt(t: TruthState, pid: number, child: number, vpn: number, folio: number, page: number, nr: number, level: Level): void {
  if (level === 'pte' && nr === 1 && page === folio && onePteDup(t, pid, child, vpn, folio, ANON, 0)) return
  const order = dup(t, pid, child, vpn, folio, page, nr, level, ANON)
  if (order >= 0) setExclusive(t, page, level === 'pte' ? nr : 2 ** order, 0)
}

/** rmap/fileDuplicated */
export function fileRmapDuplicated(t: TruthState, e: FileRmapDuplicated): void {
  dup(t, e.pid, e.child, e.vpn, e.folio, e.page, e.nrPages, e.level, FILE)
}

/** rmap/anonShared: pages lose anon-exclusive. */
export function anonRmapShared(t: TruthState, e: AnonRmapShared): void {
  if (folioFor(t, e.folio, e.page, e.nrPages, ANON) >= 0) setExclusive(t, e.page, e.nrPages, 0)
}

/** rmap/anonReused: pages become anon-exclusive again (COW reuse). */
export function anonRmapReused(t: TruthState, e: AnonRmapReused): void {
  if (folioFor(t, e.folio, e.page, e.nrPages, ANON) >= 0) setExclusive(t, e.page, e.nrPages, 1)
}

/** pmd/remapped: split_huge_pmd: one PMD becomes 512 PTEs mapping the same pages. */
export function pmdRemapped(t: TruthState, e: PmdRemapped): void {
  const pt0 = t.procTables(e.pid)
  const k = Math.floor(e.vpn / PTRS_PER_PTE)
  if (e.vpn % PTRS_PER_PTE !== 0 || pt0 === undefined || pt0.pmdLeaf(k) !== e.folio) {
    return t.violate(`PMD at vpn ${hex(e.vpn)} of p${e.pid} does not map folio ${hex(e.folio)}`)
  }
  const head = e.folio
  const pt = t.procTablesForWrite(e.pid)
  pt.pmds.delete(k)
  const tab = pt.tableForWrite(k)
  const c = t.folios.chunkForWrite(head)
  const j0 = head & MASK
  let mapped = 0
  for (let i = 0; i < PTRS_PER_PTE; i++) {
    tab[i] = head + i + 1
    if (++c.maps[j0 + i]! === 1) mapped++
  }
  tab[PRESENT] = PTRS_PER_PTE
  c.mapped[j0]! += mapped
  c.entire[j0]!--
  c.ptes[j0]! += PTRS_PER_PTE
  pt.present += PTRS_PER_PTE - 1
  c.addOwner(j0, e.pid, PTRS_PER_PTE - 1)
  if (c.kind[j0] === KIND.anon && c.excl[j0] === 1) c.excl.fill(1, j0, j0 + PTRS_PER_PTE)
}

/** collapse/completed: marker; the PMD must now map the new folio. */
export function collapseCompleted(t: TruthState, e: CollapseCompleted): void {
  const pt = t.procTables(e.pid)
  if (pt === undefined || pt.pmdLeaf(Math.floor(e.vpn / PTRS_PER_PTE)) !== e.folio) {
    t.violate(`after collapse the PMD at vpn ${hex(e.vpn)} of p${e.pid} does not map folio ${hex(e.folio)}`)
  }
}

function zeroFolio(t: TruthState, folio: number, level: 'pte' | 'pmd' | 'pud'): number {
  const want = level === 'pte' ? KIND.zero : KIND.hugezero
  const order = t.folios.headOrder(folio)
  if (order < 0 || kindOf(t, folio) !== want) {
    t.violate(`folio ${hex(folio)} is not the ${want === KIND.zero ? 'shared zero page' : 'huge zero folio'}`)
    return -1
  }
  return order
}

/** zeropage/mapped: a special entry for the zero page: present, no rmap. */
export function zeroPageMapped(t: TruthState, e: ZeroPageMapped): void {
  const order = zeroFolio(t, e.folio, e.level)
  if (order < 0) return
  const n = pagesOfLevel(e.level)
  if (!checkInVma(t, e.pid, e.vpn, n)) return
  installEntries(t, e.pid, e.vpn, e.folio, order, e.folio, n, e.level)
}

/** zeropage/unmapped */
export function zeroPageUnmapped(t: TruthState, e: ZeroPageUnmapped): void {
  const order = zeroFolio(t, e.folio, e.level)
  if (order >= 0) clearEntries(t, e.pid, e.vpn, e.folio, order, e.folio, pagesOfLevel(e.level), e.level)
}
