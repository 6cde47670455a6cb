import { createDraft, finishDraft, type Draft } from 'immer'
import type { Pfn, Pid } from '../events/common.ts'
import { emptyTrie, trieGet, trieSet, type CowTrie } from './cowTrie.ts'
import { cloneInt32Block, cloneUint8Block } from './blocks.ts'
import {
  MAX_VIOLATIONS_KEPT,
  VPN_BITS,
  type FolioRec,
  type MmState,
  type PmdSlot,
  type Proc,
  type ProcTables,
  type Vma,
  type Violation,
} from './mmState.ts'
import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER } from '../rules/pageTableGeometry.ts'

let nextEpoch = 1

/**
 * Txn - a transaction over an {@link MmState}: the mutable "draft" a batch of events is applied to.
 *
 * Bulk state (page tables, folios) lives in copy-on-write tries and typed arrays: the first write to a
 * node, slot or folio in this transaction copies it, later writes hit the copy. The small records
 * (processes and their VMAs) are an immer draft, created on the first structural event. commit() returns
 * a new immutable state sharing everything untouched with the base.
 */
export class Txn {
  readonly epoch: number
  tables: CowTrie<ProcTables>
  folios: CowTrie<FolioRec>
  /** sequence number of the event being applied */
  index: number
  type = ''
  cause = ''
  private readonly base: MmState
  private procsDraft: Draft<Record<number, Proc>> | null = null
  private violations: Violation[] | null = null
  private violationCount: number
  private readonly counts: Map<string, number>
  /** live folios per order, writable copy */
  readonly folioOrders: number[]
  private readonly vmaCache = new Map<Pid, readonly Vma[] | null>()

  /**
   * @base: the state to start from. With @consume the transaction writes @base's own nodes in place
   * (no copies): use it only when nothing keeps @base — a replay that needs no checkpoint in between.
   */
  constructor(base: MmState, consume = false) {
    this.epoch = consume && base.epoch !== 0 ? base.epoch : nextEpoch++
    this.base = base
    this.tables = base.tables
    this.folios = base.folios
    this.index = base.applied
    this.violationCount = base.violationCount
    this.counts = new Map(Object.entries(base.eventCounts))
    this.folioOrders = base.folioOrders.slice()
  }

  /** violationTotal - violations recorded so far, including the base state's. */
  get violationTotal(): number {
    return this.violationCount
  }

  /** begin - start applying event @type (counts it). */
  begin(type: string, cause: string): void {
    this.type = type
    this.cause = cause
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1)
  }

  /** end - the current event is applied. */
  end(): void {
    this.index++
  }

  /** violate - record that the current event broke its precondition (never throws). */
  violate(message: string): void {
    this.violationCount++
    if (this.violations === null) this.violations = this.base.violations.slice()
    if (this.violations.length < MAX_VIOLATIONS_KEPT) {
      this.violations.push({ index: this.index, type: this.type, cause: this.cause, message })
    }
  }

  // ---- processes and VMAs (immer) ----

  /** procsForWrite - the immer draft of the process table. */
  procsForWrite(): Draft<Record<number, Proc>> {
    if (this.procsDraft === null) this.procsDraft = createDraft(this.base.procs as Record<number, Proc>)
    return this.procsDraft
  }

  /**
   * setVmaCache - @pid's VMAs are now @vmas (the plain array just written into the draft), or null when
   * the process is gone. Reads then never have to look through the immer draft.
   */
  setVmaCache(pid: Pid, vmas: readonly Vma[] | null): void {
    this.vmaCache.set(pid, vmas)
  }

  /** vmas - the VMAs of @pid sorted by start (plain, cached), or null when @pid is not live. */
  vmas(pid: Pid): readonly Vma[] | null {
    let v = this.vmaCache.get(pid)
    if (v === undefined) {
      // not written in this transaction: the base state holds it
      v = this.base.procs[pid]?.vmas ?? null
      this.vmaCache.set(pid, v)
    }
    return v
  }

  /** vmaAt - the VMA of @pid containing @vpn, or undefined. */
  vmaAt(pid: Pid, vpn: number): Vma | undefined {
    const vmas = this.vmas(pid)
    if (vmas === null) return undefined
    let lo = 0
    let hi = vmas.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = vmas[mid]!
      if (vpn < v.start) hi = mid - 1
      else if (vpn >= v.end) lo = mid + 1
      else return v
    }
    return undefined
  }

  // ---- page tables ----

  /** procTables - @pid's page tables, read-only. */
  procTables(pid: Pid): ProcTables | undefined {
    return trieGet(this.tables, pid)
  }

  /** procTablesForWrite - @pid's page tables for writing (created empty when absent). */
  procTablesForWrite(pid: Pid): ProcTables {
    let t = trieGet(this.tables, pid)
    if (t === undefined) {
      t = { e: this.epoch, pmds: emptyTrie(VPN_BITS - HPAGE_PMD_ORDER), puds: emptyTrie(VPN_BITS - HPAGE_PUD_ORDER), present: 0 }
      this.tables = trieSet(this.tables, this.epoch, pid, t)
    } else if (t.e !== this.epoch) {
      t = { ...t, e: this.epoch }
      this.tables = trieSet(this.tables, this.epoch, pid, t)
    }
    return t
  }

  /** dropProcTables - @pid's page tables are gone. */
  dropProcTables(pid: Pid): void {
    this.tables = trieSet(this.tables, this.epoch, pid, undefined)
  }

  /** pmdSlotForWrite - the PMD slot @key (vpn >> 9) of @pt for writing, created empty when absent. */
  pmdSlotForWrite(pt: ProcTables, key: number): PmdSlot {
    let s = trieGet(pt.pmds, key)
    if (s === undefined) {
      s = { e: this.epoch, huge: -1, ptes: null, present: 0 }
      pt.pmds = trieSet(pt.pmds, this.epoch, key, s)
    } else if (s.e !== this.epoch) {
      s = { e: this.epoch, huge: s.huge, ptes: s.ptes === null ? null : cloneInt32Block(s.ptes), present: s.present }
      pt.pmds = trieSet(pt.pmds, this.epoch, key, s)
    }
    return s
  }

  // ---- folios ----

  /** folio - folio @pfn (by head PFN), read-only, or undefined. */
  folio(pfn: Pfn): FolioRec | undefined {
    return trieGet(this.folios, pfn)
  }

  /** folioForWrite - folio @pfn for writing (copied on the first write in this transaction). */
  folioForWrite(pfn: Pfn): FolioRec | undefined {
    let f = trieGet(this.folios, pfn)
    if (f === undefined || f.e === this.epoch) return f
    f = {
      ...f,
      e: this.epoch,
      pageMaps: f.pageMaps === null ? null : cloneInt32Block(f.pageMaps),
      exclusive: f.exclusive === null ? null : cloneUint8Block(f.exclusive),
      owners: f.owners.slice(),
    }
    this.folios = trieSet(this.folios, this.epoch, pfn, f)
    return f
  }

  /** putFolio - install or remove (undefined) folio @pfn (keeps the per-order census). */
  putFolio(pfn: Pfn, f: FolioRec | undefined): void {
    const old = trieGet(this.folios, pfn)
    if (old !== undefined) this.folioOrders[old.order]!--
    if (f !== undefined) this.folioOrders[f.order]!++
    this.folios = trieSet(this.folios, this.epoch, pfn, f)
  }

  /** commit - the new immutable state. The transaction must not be used afterwards. */
  commit(): MmState {
    const procs = this.procsDraft === null ? this.base.procs : finishDraft(this.procsDraft)
    return {
      epoch: this.epoch,
      applied: this.index,
      procs,
      tables: this.tables,
      folios: this.folios,
      violations: this.violations ?? this.base.violations,
      violationCount: this.violationCount,
      eventCounts: Object.fromEntries(this.counts),
      folioOrders: this.folioOrders,
    }
  }
}
