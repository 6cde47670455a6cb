import type { Pfn, Pid } from '../events/common.ts'
import type { MmEvent } from '../events/mmEvent.ts'
import { EVENT_TYPES } from '../events/schema.ts'
import { MAX_VIOLATIONS_KEPT, type FolioRec, type Proc, type Vma, type Violation } from '../state/mmState.ts'
import { FolioStore } from './folioStore.ts'
import { ProcTables } from './procTables.ts'
import { applyTruthEvent } from './truthDispatch.ts'
import { truthFolioRec } from './truthQueries.ts'

let nextEpoch = 1

/**
 * TruthCheckpoint - an immutable ground-truth state at some event boundary (see {@link TruthState.checkpoint}).
 * It shares every chunk and PTE table with the live state until the live state writes one.
 */
export interface TruthCheckpoint {
  readonly applied: number
  readonly folios: FolioStore
  readonly tables: ReadonlyMap<Pid, ProcTables>
  readonly procs: ReadonlyMap<Pid, Proc>
  readonly violations: readonly Violation[]
  readonly violationCount: number
  readonly counts: Float64Array
  readonly otherCounts: ReadonlyMap<string, number>
}

/**
 * TruthState - the page tables and folios of every process, with the ground-truth counters derived from
 * them, as struct-of-arrays: folios in 4096-PFN typed-array chunks ({@link FolioStore}), page tables as
 * one Int32Array per PTE table ({@link ProcTables}), processes and their VMAs as small immutable records.
 * {@link apply} is total — an event that breaks its precondition is recorded as a violation (event index,
 * type, cause, message) and changes nothing — and allocates nothing per event on the paths of faults, COW,
 * fork, zap and exit. {@link checkpoint} freezes the current state in O(chunks) and later writes copy what
 * they touch (a chunk, a PTE table, a process's table maps), so checkpoints for time travel stay cheap.
 */
export class TruthState {
  epoch: number
  folios: FolioStore
  tables: Map<Pid, ProcTables>
  procs: Map<Pid, Proc>
  /** sequence number of the event being applied (= events applied before it) */
  index: number
  type = ''
  cause = ''
  violations: Violation[]
  violationCount: number
  /** events applied per type, by EVENT_TYPES index; @otherCounts for types this version does not know */
  counts: Float64Array
  otherCounts: Map<string, number>
  private sharedProcs = false
  private sharedViolations = false
  private sharedTables = false
  /** lookup caches (not state): the last process whose page tables / VMA were asked for */
  private ptPid = -1
  private ptLast: ProcTables | undefined = undefined
  /** the one asked for before (fork's events alternate between the parent's and the child's tables) */
  private ptPid2 = -1
  private ptLast2: ProcTables | undefined = undefined
  private vmaPid = -1
  private vmaLast: Vma | undefined = undefined

  constructor(from?: TruthCheckpoint) {
    this.epoch = nextEpoch++
    if (from === undefined) {
      this.folios = new FolioStore(this.epoch)
      this.tables = new Map()
      this.procs = new Map()
      this.index = 0
      this.violations = []
      this.violationCount = 0
      this.counts = new Float64Array(EVENT_TYPES.length)
      this.otherCounts = new Map()
      return
    }
    this.folios = new FolioStore(this.epoch, from.folios)
    this.tables = from.tables as Map<Pid, ProcTables>
    this.procs = from.procs as Map<Pid, Proc>
    this.sharedTables = true
    this.sharedProcs = true
    this.sharedViolations = true
    this.index = from.applied
    this.violations = from.violations as Violation[]
    this.violationCount = from.violationCount
    this.counts = from.counts.slice()
    this.otherCounts = new Map(from.otherCounts)
  }

  /** applied - events applied so far. */
  get applied(): number {
    return this.index
  }

  /** apply - apply one event; @returns true when it broke no precondition. */
  apply(e: MmEvent): boolean {
    const before = this.violationCount
    this.type = e.type
    this.cause = e.cause
    applyTruthEvent(this, e)
    this.index++
    return this.violationCount === before
  }

  /** count - the event being applied is of the known type with EVENT_TYPES index @code. */
  count(code: number): void {
    this.counts[code]!++
  }

  /** countOther - the event being applied is of a type this version does not know. */
  countOther(type: string): void {
    this.otherCounts.set(type, (this.otherCounts.get(type) ?? 0) + 1)
  }

  /** violate - record that the current event broke its precondition (never throws). */
  violate(message: string): void {
    this.violationCount++
    if (this.violations.length >= MAX_VIOLATIONS_KEPT) return
    if (this.sharedViolations) {
      this.violations = this.violations.slice()
      this.sharedViolations = false
    }
    this.violations.push({ index: this.index, type: this.type, cause: this.cause, message })
  }

  /** folio - folio @head (head PFN) as a record, or undefined (allocates: the strategies' TruthView, read at splits). */
  folio(head: Pfn): FolioRec | undefined {
    return truthFolioRec(this, head)
  }

  /** eventCounts - events applied per type (types with none left out). */
  get eventCounts(): Record<string, number> {
    const out: Record<string, number> = {}
    EVENT_TYPES.forEach((t, i) => {
      if (this.counts[i]! > 0) out[t] = this.counts[i]!
    })
    for (const [t, n] of this.otherCounts) out[t] = n
    return out
  }

  // ---- processes and VMAs ----

  /** vmas - the VMAs of @pid sorted by start, or null when @pid is not live. */
  vmas(pid: Pid): readonly Vma[] | null {
    return this.procs.get(pid)?.vmas ?? null
  }

  /** vmaAt - the VMA of @pid containing @vpn, or undefined. */
  vmaAt(pid: Pid, vpn: number): Vma | undefined {
    const c = this.vmaLast
    if (pid === this.vmaPid && c !== undefined && vpn >= c.start && vpn < c.end) return c
    const vmas = this.procs.get(pid)?.vmas
    if (vmas === undefined) return undefined
    let lo = 0
    let hi = vmas.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = vmas[mid]!
      if (vpn < v.start) hi = mid - 1
      else if (vpn >= v.end) lo = mid + 1
      else {
        this.vmaPid = pid
        this.vmaLast = v
        return v
      }
    }
    return undefined
  }

  /** setProc - @pid is now @p (undefined: gone). */
  setProc(pid: Pid, p: Proc | undefined): void {
    if (this.sharedProcs) {
      this.procs = new Map(this.procs)
      this.sharedProcs = false
    }
    if (pid === this.vmaPid) this.vmaPid = -1
    if (p === undefined) this.procs.delete(pid)
    else this.procs.set(pid, p)
  }

  // ---- page tables ----

  /** procTables - @pid's page tables, read-only. */
  procTables(pid: Pid): ProcTables | undefined {
    if (pid === this.ptPid) return this.ptLast
    const t = pid === this.ptPid2 ? this.ptLast2 : this.tables.get(pid)
    this.ptPid2 = this.ptPid
    this.ptLast2 = this.ptLast
    this.ptPid = pid
    this.ptLast = t
    return t
  }

  /** procTablesForWrite - @pid's page tables for writing (created empty when absent, copied when shared). */
  procTablesForWrite(pid: Pid): ProcTables {
    let t = this.procTables(pid)
    if (t !== undefined && t.epoch === this.epoch) return t
    t = new ProcTables(this.epoch, t)
    this.ownTables().set(pid, t)
    this.ptLast = t
    return t
  }

  /** dropProcTables - @pid's page tables are gone. */
  dropProcTables(pid: Pid): void {
    const pt = this.tables.get(pid)
    if (pt === undefined) return
    // tables of this epoch's ProcTables are held by no checkpoint (a checkpoint bumps the epoch)
    if (pt.epoch === this.epoch) pt.release()
    this.ownTables().delete(pid)
    if (pid === this.ptPid) this.ptPid = -1
    if (pid === this.ptPid2) this.ptPid2 = -1
  }

  private ownTables(): Map<Pid, ProcTables> {
    if (this.sharedTables) {
      this.tables = new Map(this.tables)
      this.sharedTables = false
    }
    return this.tables
  }

  // ---- checkpoints ----

  /**
   * checkpoint - the current state, frozen: later events applied to this TruthState copy what they write.
   * Cost: O(chunks + processes), no page data copied.
   */
  checkpoint(): TruthCheckpoint {
    const cp: TruthCheckpoint = {
      applied: this.index,
      folios: this.folios,
      tables: this.tables,
      procs: this.procs,
      violations: this.violations,
      violationCount: this.violationCount,
      counts: this.counts.slice(),
      otherCounts: new Map(this.otherCounts),
    }
    this.epoch = nextEpoch++
    this.folios = new FolioStore(this.epoch, this.folios)
    this.sharedTables = true
    this.sharedProcs = true
    this.sharedViolations = true
    return cp
  }
}
