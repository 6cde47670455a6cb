import type { Pfn } from '../events/common.ts'
import type { FolioTruth } from '../groundTruth/folioTruth.ts'
import type { EntryVisitor } from '../groundTruth/recount.ts'
import type { TruthSummary } from '../groundTruth/truthSummary.ts'
import type { FolioRec } from '../state/mmState.ts'
import { DigestWriter } from './digestWriter.ts'
import { CHUNK_PAGES, KIND_NAMES, MAX_PFN } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { HPAGE_PMD_ORDER, HPAGE_PUD_NR, HPAGE_PUD_ORDER, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'
import type { TruthCheckpoint, TruthState } from './truthState.ts'

/** Read-only questions to a {@link TruthState} (or a checkpoint of one): the ground truth's answers. */

type TruthLike = Pick<TruthState, 'folios' | 'tables' | 'procs' | 'violationCount'> | TruthCheckpoint

const MASK = CHUNK_PAGES - 1
const PRESENT = ProcTables.PRESENT

/** truthFolioAt - the head PFN of the live folio containing page @pfn, or -1. */
export function truthFolioAt(t: TruthLike, pfn: Pfn): number {
  return pfn >= 0 && pfn <= MAX_PFN ? t.folios.headOf(pfn) : -1
}

/** truthPageMapcount - entries mapping page @pfn: its PTEs and HGM PMDs plus the PMD/PUD entries of its whole folio (0 if not allocated). */
export function truthPageMapcount(t: TruthLike, pfn: Pfn): number {
  const head = truthFolioAt(t, pfn)
  if (head < 0) return 0
  return t.folios.chunk(pfn)!.maps[pfn & MASK]! + t.folios.chunk(head)!.entire[head & MASK]!
}

/** truthFolioRec - folio @head (head PFN) as a record, or undefined. Allocates: for rare reads (splits, queries). */
export function truthFolioRec(t: TruthLike, head: Pfn): FolioRec | undefined {
  if (!(head >= 0 && head <= MAX_PFN)) return undefined
  const order = t.folios.headOrder(head)
  if (order < 0) return undefined
  const c = t.folios.chunk(head)!
  const j = head & MASK
  const n = 2 ** order
  const pageMaps = new Int32Array(n)
  const exclusive = new Uint8Array(n)
  let anyExcl = false
  for (let i = 0; i < n; i++) {
    const p = t.folios.chunk(head + i)!
    pageMaps[i] = p.maps[(head + i) & MASK]!
    exclusive[i] = p.excl[(head + i) & MASK]!
    if (exclusive[i] !== 0) anyExcl = true
  }
  return {
    e: 0, pfn: head, order, kind: KIND_NAMES[c.kind[j]!]!, file: c.file[j]!, index: c.index[j]!,
    entire: c.entire[j]!, ptes: c.ptes[j]!, pagesMapped: c.mapped[j]!, hgmPmds: c.hgmPmdsAt(j),
    pageMaps, exclusive: anyExcl ? exclusive : null, owners: c.ownerList(j), hvo: c.hvo[j] === 1,
  }
}

/** truthFolio - the ground truth of folio @folio (head PFN), or undefined when it is not allocated. */
export function truthFolio(t: TruthLike, folio: Pfn): FolioTruth | undefined {
  const f = truthFolioRec(t, folio)
  if (f === undefined) return undefined
  const nr = 2 ** f.order
  const processes: number[] = []
  for (let i = 0; i < f.owners.length; i += 2) processes.push(f.owners[i]!)
  const anonExclusive: boolean[] = []
  for (let i = 0; i < nr; i++) anonExclusive.push(f.exclusive?.[i] === 1)
  return {
    folio: f.pfn, order: f.order, kind: f.kind, mapcount: f.entire + f.ptes + f.hgmPmds, entireMapcount: f.entire,
    pagesMapped: f.entire > 0 ? nr : f.pagesMapped, processes, mappedShared: processes.length > 1,
    partiallyMapped: f.entire === 0 && f.pagesMapped > 0 && f.pagesMapped < nr, anonExclusive, hvo: f.hvo,
  }
}

/** sortedPids - the live processes' pids, ascending. */
function sortedPids(t: TruthLike): number[] {
  return [...t.procs.keys()].sort((a, b) => a - b)
}

/** forEachTruthEntry - every present entry, by pid, then PUDs, then PMD indexes in vpn order (PMD leaf or PTEs). */
export function forEachTruthEntry(t: TruthLike, fn: EntryVisitor): void {
  for (const pid of sortedPids(t)) {
    const pt = t.tables.get(pid)
    if (pt === undefined) continue
    for (const k of [...pt.puds.keys()].sort((a, b) => a - b)) fn(pid, 'pud', k * HPAGE_PUD_NR, pt.puds.get(k)!)
    const keys = new Set<number>(pt.pmds.keys())
    for (const [k, tab] of pt.ptes) if (tab[PRESENT]! > 0) keys.add(k)
    for (const k of [...keys].sort((a, b) => a - b)) {
      const leaf = pt.pmds.get(k)
      if (leaf !== undefined) {
        fn(pid, 'pmd', k * PTRS_PER_PTE, leaf)
        continue
      }
      const tab = pt.ptes.get(k)!
      for (let j = 0; j < PTRS_PER_PTE; j++) if (tab[j] !== 0) fn(pid, 'pte', k * PTRS_PER_PTE + j, tab[j]! - 1)
    }
  }
}

/** forEachTruthFolio - every live folio in PFN order, as a record (allocates per folio: for reports). */
export function forEachTruthFolio(t: TruthLike, fn: (f: FolioRec) => void): void {
  t.folios.forEachHead((pfn) => fn(truthFolioRec(t, pfn)!))
}

/**
 * truthDigest - a SHA-256 over a canonical rendering of the state: processes and their VMAs, every present
 * page-table entry, every folio (order, kind, file place, anon-exclusive bits, HVO) and the violation count.
 * The rendering is the one core's stateDigest() has always used, so a digest names the same state whichever
 * implementation computed it. @returns 64 hex digits
 */
export function truthDigest(t: TruthLike): string {
  const w = new DigestWriter()
  for (const pid of sortedPids(t)) {
    const p = t.procs.get(pid)!
    w.line().word('P ').int(pid).sp().int(p.parent)
    for (const v of p.vmas) {
      w.line().word('V ').int(v.start).sp().int(v.end).sp().word(v.kind).sp().int(+v.shared).int(+v.writable).sp().int(v.file)
        .sp().int(v.pgoff).sp().word(v.thp).sp().int(+v.dontfork)
      if (v.hgm === true) w.word(' hgm') // only HGM VMAs: digests of traces without HGM are unchanged
    }
  }
  digestEntries(t, w)
  digestFolios(t, w)
  w.line().word('X ').int(t.violationCount)
  return w.digest()
}

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1')
const HEX01 = ascii('01')
const KIND_SP = KIND_NAMES.map((k) => ascii(` ${k} `))
const F_ = ascii('F ')

/** digestEntries - the digest's 'E pid level vpn pfn' lines, in forEachTruthEntry's order (one loop, no visitor). */
function digestEntries(t: TruthLike, w: DigestWriter): void {
  for (const pid of sortedPids(t)) {
    const pt = t.tables.get(pid)
    if (pt === undefined) continue
    const pre = (level: string): Uint8Array => ascii(`E ${String(pid)} ${level} `)
    if (pt.puds.size > 0) {
      const pud = pre('pud')
      for (const k of [...pt.puds.keys()].sort((a, b) => a - b)) w.entry(pud, k * HPAGE_PUD_NR, pt.puds.get(k)!)
    }
    const keys = new Set<number>(pt.pmds.keys())
    for (const [k, tab] of pt.ptes) if (tab[PRESENT]! > 0) keys.add(k)
    const pmd = pre('pmd')
    const pte = pre('pte')
    for (const k of [...keys].sort((a, b) => a - b)) {
      const leaf = pt.pmds.get(k)
      if (leaf !== undefined) {
        w.entry(pmd, k * PTRS_PER_PTE, leaf)
        continue
      }
      const tab = pt.ptes.get(k)!
      const base = k * PTRS_PER_PTE
      for (let j = 0; j < PTRS_PER_PTE; j++) {
        const x = tab[j]!
        if (x !== 0) w.entry(pte, base + j, x - 1)
      }
    }
  }
}

/** digestFolios - the digest's 'F pfn order kind file index hvo excl' lines, in PFN order (forEachHead's walk, inline). */
function digestFolios(t: TruthLike, w: DigestWriter): void {
  const fs = t.folios
  for (const key of [...fs.chunks.keys()].sort((a, b) => a - b)) {
    const c = fs.chunks.get(key)!
    const base = key * CHUNK_PAGES
    const ord = c.ord
    for (let j = 0; j < CHUNK_PAGES; j++) {
      const o = ord[j]! - 1
      if (o < 0) continue
      const pfn = base + j
      if ((pfn & ((1 << o) - 1)) === 0) {
        w.entry(F_, pfn, o)
        w.folio(KIND_SP[c.kind[j]!]!, c.file[j]!, c.index[j]!, c.hvo[j]!)
        if (o === 0) {
          if (c.excl[j] === 1) w.raw(HEX01)
        } else {
          const n = 2 ** o
          let any = false
          for (let i = 0; i < n && !any; i++) any = fs.chunk(pfn + i)!.excl[(pfn + i) & MASK] === 1
          if (any) w.hexBytes(n, (i) => fs.chunk(pfn + i)!.excl[(pfn + i) & MASK]!)
        }
      }
      if (o > 0) j += Math.min((1 << o) - (pfn & ((1 << o) - 1)), CHUNK_PAGES) - 1
    }
  }
}

/** truthSummaryOf - the aggregate ground truth of the state (core's TruthSummary). */
export function truthSummaryOf(t: TruthLike): TruthSummary {
  const s: TruthSummary = {
    processes: 0, vmas: 0, entries: { pte: 0, pmd: 0, pud: 0 }, folios: 0, foliosByKind: {}, mappedFolios: 0,
    mappedSharedFolios: 0, partiallyMappedFolios: 0, pageMapcountSum: 0, hvoFolios: 0,
  }
  for (const p of t.procs.values()) {
    s.processes++
    s.vmas += p.vmas.length
  }
  t.folios.forEachHead((_pfn, order, c, j) => {
    const nr = 2 ** order
    const kind = KIND_NAMES[c.kind[j]!]!
    const entire = c.entire[j]!
    const ptes = c.ptes[j]!
    const hgmPmds = c.hgmPmdsAt(j)
    const mapped = c.mapped[j]!
    s.folios++
    s.foliosByKind[kind] = (s.foliosByKind[kind] ?? 0) + 1
    if (entire + ptes + hgmPmds > 0) s.mappedFolios++
    if (c.owners[j]! > 1) s.mappedSharedFolios++
    if (entire === 0 && mapped > 0 && mapped < nr) s.partiallyMappedFolios++
    s.pageMapcountSum += ptes + entire * nr + hgmPmds * PTRS_PER_PTE
    if (c.hvo[j] === 1) s.hvoFolios++
    if (order === HPAGE_PMD_ORDER) s.entries.pmd += entire
    else if (order === HPAGE_PUD_ORDER) s.entries.pud += entire
    s.entries.pte += ptes
    s.entries.pmd += hgmPmds
  })
  return s
}
