import { HPAGE_PUD_NR, PTRS_PER_PTE } from '../rules/pageTableGeometry.ts'

/** PteTable slots: [0, 512) the PTEs (pfn + 1, 0 = none), [512] present PTEs, [513] owning epoch. */
const PRESENT = PTRS_PER_PTE
const EPOCH = PTRS_PER_PTE + 1

/** PteTable - one PTE table (2 MiB of virtual memory) as one Int32Array. */
export type PteTable = Int32Array

/**
 * PTE tables come from slabs of TABLES_PER_SLAB (one ArrayBuffer each, not one per table: V8 allocates,
 * zeroes and accounts every buffer separately) and go back to a free list when a live state frees one it
 * owns alone (its epoch: no checkpoint holds it). A slab lives while any of its tables does.
 */
const TABLES_PER_SLAB = 64
const TABLE_WORDS = PTRS_PER_PTE + 2
const FREE_TABLES_KEPT = 4096
let slab: Int32Array | null = null
let slabNext = 0
const freeTables: PteTable[] = []

function newTable(): PteTable {
  const t = freeTables.pop()
  if (t !== undefined) return t
  if (slab === null || slabNext === TABLES_PER_SLAB) {
    slab = new Int32Array(TABLE_WORDS * TABLES_PER_SLAB)
    slabNext = 0
  }
  return slab.subarray(TABLE_WORDS * slabNext, TABLE_WORDS * ++slabNext)
}

/** releaseTable - @t is referenced by nothing any more: zero it and keep it for reuse. */
function releaseTable(t: PteTable): void {
  if (freeTables.length >= FREE_TABLES_KEPT) return
  t.fill(0)
  freeTables.push(t)
}

/**
 * ProcTables - one process's page tables, flat: PTE tables by PMD index (vpn >> 9), PMD leaves by PMD
 * index (value: the PFN mapped), PUD leaves by PUD index (vpn >> 18). A PMD index may hold a PTE table that
 * has no present entry (zapped, not freed), but never a PTE table with present entries and a PMD leaf.
 * @epoch: as for FolioChunk — another epoch's tables (a checkpoint's) are copied before writing; a PTE
 * table records its own epoch in its slot 513.
 * @present: present entries at all levels (a PMD or PUD leaf counts 1)
 */
export class ProcTables {
  epoch: number
  ptes: Map<number, PteTable>
  pmds: Map<number, number>
  puds: Map<number, number>
  present: number
  private lastKey = -1
  private last: PteTable | undefined = undefined

  constructor(epoch: number, from?: ProcTables) {
    this.epoch = epoch
    this.ptes = from === undefined ? new Map() : new Map(from.ptes)
    this.pmds = from === undefined ? new Map() : new Map(from.pmds)
    this.puds = from === undefined ? new Map() : new Map(from.puds)
    this.present = from === undefined ? 0 : from.present
  }

  /** table - the PTE table at PMD index @k, read-only, or undefined. */
  table(k: number): PteTable | undefined {
    if (k === this.lastKey) return this.last
    const t = this.ptes.get(k)
    this.lastKey = k
    this.last = t
    return t
  }

  /** tableForWrite - the PTE table at PMD index @k owned by this epoch (copied, or allocated empty). */
  tableForWrite(k: number): PteTable {
    let t = this.table(k)
    if (t !== undefined && t[EPOCH] === this.epoch) return t
    const fresh = newTable()
    if (t !== undefined) fresh.set(t)
    t = fresh
    t[EPOCH] = this.epoch
    this.ptes.set(k, t)
    this.last = t
    return t
  }

  /** dropTable - free the PTE table at PMD index @k (free_pgtables, or a PMD leaf taking its place). */
  dropTable(k: number): void {
    const t = this.ptes.get(k)
    if (t === undefined) return
    this.ptes.delete(k)
    if (t[EPOCH] === this.epoch) releaseTable(t)
    if (k === this.lastKey) this.last = undefined
  }

  /** pteAt - the PFN the PTE for @vpn maps, or -1 (no table, or none). */
  pteAt(vpn: number): number {
    const t = this.table(Math.floor(vpn / PTRS_PER_PTE))
    return t === undefined ? -1 : t[vpn % PTRS_PER_PTE]! - 1
  }

  /** entryAt - the PFN mapped at @vpn by any level, or -1. */
  entryAt(vpn: number): number {
    if (this.puds.size > 0) {
      const pud = this.puds.get(Math.floor(vpn / HPAGE_PUD_NR))
      if (pud !== undefined) return pud + (vpn % HPAGE_PUD_NR)
    }
    const k = Math.floor(vpn / PTRS_PER_PTE)
    if (this.pmds.size > 0) {
      const pmd = this.pmds.get(k)
      if (pmd !== undefined) return pmd + (vpn % PTRS_PER_PTE)
    }
    const t = this.table(k)
    return t === undefined ? -1 : t[vpn % PTRS_PER_PTE]! - 1
  }

  /** pudLeaf - the PFN mapped by the PUD leaf covering @vpn, or undefined. */
  pudLeaf(vpn: number): number | undefined {
    return this.puds.size === 0 ? undefined : this.puds.get(Math.floor(vpn / HPAGE_PUD_NR))
  }

  /** pmdLeaf - the PFN mapped by the PMD leaf at PMD index @k, or undefined. */
  pmdLeaf(k: number): number | undefined {
    return this.pmds.size === 0 ? undefined : this.pmds.get(k)
  }

  /** release - this process's page tables are gone: tables it owns alone go back to the free list. */
  release(): void {
    for (const t of this.ptes.values()) if (t[EPOCH] === this.epoch) releaseTable(t)
    this.ptes.clear()
    this.last = undefined
    this.lastKey = -1
  }

  static readonly PRESENT = PRESENT
}
