import { assertNever, HPAGE_PMD_NR, HPAGE_PUD_NR, MAX_PFN, type MmEvent, type TruthState } from '@mmsim/core'
import type { ParsedScenario } from '@mmsim/kernel'

/**
 * LOCK_CLASSES - the lock classes of the lock model, in the order of the integer counters. Instances:
 * `mmap_lock` and `mm->page_table_lock` per mm (pid); the per-VMA lock and the HugeTLB VMA lock per VMA
 * (pid, VMA start); the split PMD / PTE ptl per page-table page (pid, vpn >> 18 / vpn >> 9); `i_mmap_rwsem`
 * per file; the `_mm_ids` bit-spinlock per folio.
 */
export const LOCK_CLASSES = [
  'mmap_lock (read)', 'mmap_lock (write)', 'per-VMA lock (read)', 'mm->page_table_lock', 'PMD ptl', 'PTE ptl',
  'hugetlb VMA lock (read)', 'hugetlb VMA lock (write)', 'i_mmap_rwsem (read)', 'i_mmap_rwsem (write)', 'folio _mm_ids bit-spinlock',
] as const
export type LockClass = (typeof LOCK_CLASSES)[number]

const MMAP_R = 0
const MMAP_W = 1
const VMA_R = 2
const PTL_MM = 3
const PTL_PMD = 4
const PTL_PTE = 5
const HVMA_R = 6
const HVMA_W = 7
const IMMAP_R = 8
const IMMAP_W = 9
const MM_IDS = 10
const NC = LOCK_CLASSES.length

/**
 * lockEraOf - the kernel version (major × 100 + minor) whose locking a scheme's events are modelled with:
 * the first version of its range; the v6.15–v6.18 schemes are modelled as 6.18, the simulator's kernel.
 * @returns e.g. 602 for `linux-6.2`, 618 for `linux-6.15`; 618 for an id without a version
 */
export function lockEraOf(schemeId: string): number {
  const m = /^linux-(\d+)\.(\d+)/.exec(schemeId)
  if (m === null) return 618
  const v = Number(m[1]) * 100 + Number(m[2])
  return v >= 615 ? 618 : v
}

/** what a scenario statement is, for its locks */
type Op = 'fault' | 'populate' | 'continue' | 'zap' | 'madvise-read' | 'madvise-write' | 'mmap' | 'munmap' | 'mprotect' | 'mremap' | 'fork' | 'exit' | 'punch' | 'other'
const FILE_KINDS = new Set(['file', 'shmem', 'hugetlb2M', 'hugetlb1G'])

interface LineInfo {
  op: Op
  /** the statement's mapping is file-backed (file, shmem, HugeTLB) / HugeTLB */
  file: boolean
  hugetlb: boolean
}

/**
 * statementOps - per line of scenario @s, what its statement does (for its locks): faults (`read`, `write`),
 * GUP (`madvise populate_*`), `continue`, zaps (`madvise dontneed|free|pageout|cold`), VMA changes, `fork`,
 * `exit`, `punch`; and whether its mapping is file-backed or HugeTLB (a `fork`: whether the process has any).
 */
export function statementOps(s: ParsedScenario): Map<number, LineInfo> {
  const kinds = new Map<string, string>()
  const out = new Map<number, LineInfo>()
  for (const st of s.statements) {
    const x = st as unknown as { op: string; line: number; name?: string; kind?: string; range?: { name: string }; advice?: string }
    const name = x.range?.name ?? x.name
    const kind = x.op === 'mmap' ? x.kind : name === undefined ? undefined : kinds.get(name)
    let op: Op = 'other'
    switch (st.op) {
      case 'mmap':
        if (x.name !== undefined && x.kind !== undefined) kinds.set(x.name, x.kind)
        op = 'mmap'
        break
      case 'read':
      case 'write':
        op = 'fault'
        break
      case 'continue':
        op = 'continue'
        break
      case 'munmap':
        op = 'munmap'
        break
      case 'mprotect':
        op = 'mprotect'
        break
      case 'mremap':
        op = 'mremap'
        break
      case 'fork':
        op = 'fork'
        break
      case 'exit':
        op = 'exit'
        break
      case 'punch':
        op = 'punch'
        break
      case 'madvise':
        op = x.advice === 'populate_read' || x.advice === 'populate_write' ? 'populate'
          : x.advice === 'dontneed' || x.advice === 'free' ? 'zap'
            : x.advice === 'pageout' || x.advice === 'cold' || x.advice === 'remove' || x.advice === 'collapse' ? 'madvise-read'
              : 'madvise-write'
        break
      case 'scenario':
      case 'set':
      case 'pin':
      case 'unpin':
      case 'check':
        break
      default:
        assertNever(st, 'scenario statement')
    }
    const anyFile = [...kinds.values()].some((k) => FILE_KINDS.has(k))
    out.set(x.line, {
      op,
      file: op === 'fork' || op === 'exit' ? anyFile : kind !== undefined && FILE_KINDS.has(kind),
      hugetlb: kind === 'hugetlb2M' || kind === 'hugetlb1G',
    })
  }
  return out
}

/** TOP_INSTANCES - instances kept per lock class (a bounded table; the rest are counted as "others") */
const TOP_INSTANCES = 4096

/** LockTally - what {@link HeldLocks} counted for one era: acquisitions and events held, per class and per instance. */
export interface LockTally {
  era: number
  classes: { lock: LockClass; acquisitions: number; eventsHeld: number; instances: number; top: { instance: string; acquisitions: number }[] }[]
}

/**
 * HeldLocks - the lock model: the locks the kernel of one era holds for each event, derived from the event, its statement
 * (the scenario line its cause names, when the trace's header keeps the scenario) and the ground truth's
 * VMAs. Counted per class as *acquisitions* (a page-table lock once per run of events under the same
 * instance within one statement — the walk keeps the table's ptl across its entries, fork the source's and
 * the destination's; `mmap_lock` and the
 * other mm/VMA/file locks once per statement, the per-VMA lock of a fault once per fault) and as *events
 * held*. Integer counters per class; per-instance counts in one bounded Map per class (no allocation on the
 * common path: an instance is a number).
 *
 * The table (Linux 6.18 mm/, with the era differences that matter):
 * - faults (`read`/`write`): the per-VMA lock (lock_vma_under_rcu(), v6.4 anon, v6.7 file; eras before 6.8:
 *   mmap_lock read), then the PTE ptl (pte_offset_map_lock) or PMD ptl (pmd_lock, do_huge_pmd_*) of the entry;
 *   HugeTLB faults the HugeTLB VMA lock read (hugetlb_fault) and huge_pte_lock(): the PMD ptl for 2M, the
 *   mm's page_table_lock for 1G (huge_pte_lockptr());
 * - `continue`: UFFDIO_CONTINUE under the per-VMA lock (uffd_mfill_lock(), "userfaultfd: use per-vma locks in
 *   userfaultfd operations", v6.9; before: mmap_lock read);
 * - `madvise populate_*`, `cold`, `pageout`, `remove`, `collapse`: mmap_lock read; `dontneed`/`free`: the
 *   per-VMA lock (MADVISE_VMA_READ_LOCK, v6.16+; before: mmap_lock read); other advice: mmap_lock write;
 * - `mmap`, `munmap`, `mprotect`, `mremap`: mmap_lock write (plus i_mmap_rwsem write to link/unlink a file
 *   VMA); zapping a HugeTLB VMA takes its VMA lock and i_mmap_rwsem write (hugetlb_zap_begin());
 * - `fork`: mmap_lock write of parent and child (dup_mmap()), i_mmap_rwsem write per file VMA, the src and
 *   dst ptl of every table copied (copy_pte_range(), copy_huge_pmd());
 * - `exit`: mmap_lock read for the unmap, then write (exit_mmap());
 * - `punch`: i_mmap_rwsem read (unmap_mapping_range()); HugeTLB: write, and the HugeTLB VMA lock write;
 * - a PMD remap: the PMD ptl (__split_huge_pmd()); a PUD entry: the mm's page_table_lock (pud_lock());
 * - v6.15+: every rmap call on a large non-HugeTLB folio but folio_add_new_anon_rmap() takes the folio's
 *   `_mm_ids` bit-spinlock once (folio_lock_large_mapcount()); a PMD remap makes two such calls.
 * - HGM v2 (model-only): a high-granularity entry under the ptl of its level (what `hugetlb_pte` carries:
 *   the PTE table's lock for a 4K PTE, seed 003), a new table under its parent level's lock, a
 *   UFFDIO_CONTINUE page under the HugeTLB VMA lock read (hugetlb_mfill_atomic_pte()).
 * Not modelled: the anon_vma lock, the LRU and memcg locks, the hugetlb fault mutex, rmap walks
 * (migration, split), and locks of events without a statement (a hand-written trace: page-table and folio
 * locks only).
 */
export class HeldLocks {
  private readonly acq = new Float64Array(NC)
  private readonly held = new Float64Array(NC)
  private readonly inst: Map<number, number>[] = Array.from({ length: NC }, () => new Map())
  private readonly others = new Float64Array(NC)
  /**
   * per class the two instances acquired last and the statement they were in: a run of events under an
   * instance counts once, also when two instances interleave (fork holds the parent's and the child's ptl)
   */
  private readonly last0 = new Float64Array(NC).fill(-1)
  private readonly last1 = new Float64Array(NC).fill(-1)
  private readonly lastLine = new Float64Array(NC).fill(-1)
  private line = -1
  private stmtSeen = false
  /** the event is handled under locks its fault took for an earlier or later event (a COW's old PTE) */
  private heldOnly = false

  constructor(
    readonly era: number,
    private readonly ops: Map<number, LineInfo> | null,
  ) {}

  /** @once: a run of events under @instance in one statement is one acquisition (else each event is one) */
  private take(c: number, instance: number, once: boolean): void {
    this.held[c]!++
    if (this.heldOnly) return
    if (this.lastLine[c] !== this.line) {
      this.lastLine[c] = this.line
      this.last0[c] = -1
      this.last1[c] = -1
    }
    if (once && (this.last0[c] === instance || this.last1[c] === instance)) return
    this.last1[c] = this.last0[c]!
    this.last0[c] = instance
    this.acq[c]!++
    const m = this.inst[c]!
    const k = m.get(instance)
    if (k !== undefined) m.set(instance, k + 1)
    else if (m.size < TOP_INSTANCES) m.set(instance, 1)
    else this.others[c]!++
  }

  /** the page-table lock of an entry of @pid at @vpn at @level ('pte' | 'pmd' | 'pud') */
  private ptl(pid: number, vpn: number, level: string, runs: boolean): void {
    if (level === 'pte') this.take(PTL_PTE, ptKey(pid, Math.floor(vpn / HPAGE_PMD_NR)), runs)
    else if (level === 'pmd') this.take(PTL_PMD, ptKey(pid, Math.floor(vpn / HPAGE_PUD_NR)), runs)
    else this.take(PTL_MM, pid, runs)
  }

  /** apply - count the locks held for event @e (applied; @truth is the state after it). */
  apply(e: MmEvent, truth: TruthState): void {
    const x = e as unknown as { type: string; cause: string; pid?: number; child?: number; vpn?: number; level?: string; folio?: number; nrPages?: number }
    this.heldOnly = false
    const line = lineOf(x.cause)
    if (line !== this.line) {
      this.line = line
      this.stmtSeen = false
    }
    const info = this.ops?.get(line)
    const op = info?.op ?? 'other'
    const pid = x.pid ?? 0
    const first = !this.stmtSeen
    this.stmtSeen = true
    const era = this.era
    if (first) this.statementLocks(op, info, e, truth)
    const t = e.type
    const isAdd = t === 'rmap/newAnonAdded' || t === 'rmap/anonAdded' || t === 'rmap/fileAdded' || t === 'zeropage/mapped' || t === 'hugetlb/rmapAdded' || t === 'hugetlb/hgmRmapAdded'
    // a fault (or a page GUP / UFFDIO_CONTINUE installs) takes its ptl once, for the entry it installs; the
    // other entries it changes (the old PTE of a COW) are held under that acquisition
    const perFault = op === 'fault' || op === 'continue' || op === 'populate'
    this.heldOnly = perFault && !isAdd && t !== 'hugetlb/hgmTableAllocated'
    const runs = !perFault
    if (isAdd && (op === 'fault' || op === 'continue')) {
      const vma = truth.vmaAt(pid as never, x.vpn!)
      const key = ptKey(pid, vma?.start ?? 0)
      if (op === 'fault') {
        if (era >= 608) this.take(VMA_R, key, false)
        else this.take(MMAP_R, pid, false)
      }
      // hugetlb_fault(), and hugetlb_mfill_atomic_pte() per page of a UFFDIO_CONTINUE
      if (t === 'hugetlb/rmapAdded' || t === 'hugetlb/hgmRmapAdded') this.take(HVMA_R, key, false)
    }
    switch (t) {
      case 'rmap/newAnonAdded':
      case 'rmap/anonAdded':
      case 'rmap/fileAdded':
      case 'rmap/removed':
      case 'zeropage/mapped':
      case 'zeropage/unmapped':
      case 'hugetlb/rmapAdded':
      case 'hugetlb/rmapRemoved':
        this.ptl(pid, x.vpn!, x.level ?? 'pte', runs)
        break
      case 'rmap/anonDuplicated':
      case 'rmap/fileDuplicated':
      case 'hugetlb/anonDuplicated':
        this.ptl(pid, x.vpn!, x.level ?? 'pte', runs)
        this.ptl(x.child!, x.vpn!, x.level ?? 'pte', runs)
        break
      case 'pmd/remapped':
        this.ptl(pid, x.vpn!, 'pmd', runs)
        break
      case 'hugetlb/hgmRmapAdded':
      case 'hugetlb/hgmRmapRemoved':
        // HGM v2: the hugetlb_pte carries the ptl of the level it maps at — a 4K PTE the PTE table's
        // (the lock found through the PMD), a 2M PMD inside a 1G page the PMD table's (seed 003)
        this.ptl(pid, x.vpn!, x.level ?? 'pte', runs)
        break
      case 'hugetlb/hgmTableAllocated':
        // populating the next level takes the parent level's lock, as __pte_alloc() / __pmd_alloc() do
        this.ptl(pid, x.vpn!, x.level === 'pte' ? 'pmd' : 'pud', runs)
        break
      case 'folio/allocated':
      case 'folio/split':
      case 'folio/splitFailed':
      case 'folio/migrated':
      case 'folio/freed':
      case 'rmap/anonShared':
      case 'rmap/anonReused':
      case 'collapse/completed':
      case 'hugetlb/poolGrown':
      case 'hugetlb/poolShrunk':
      case 'hvo/optimized':
      case 'hvo/restored':
      case 'process/created':
      case 'process/forked':
      case 'process/exited':
      case 'vma/mapped':
      case 'vma/unmapped':
      case 'vma/moved':
      case 'vma/protected':
      case 'vma/advised':
      case 'check/marked':
      case 'hugetlb/hgmEnabled':
        break
      default:
        unknownType(t)
    }
    this.heldOnly = false
    if (era >= 615 && x.folio !== undefined && t.startsWith('rmap/') && t !== 'rmap/newAnonAdded' && t !== 'rmap/anonShared' && t !== 'rmap/anonReused') {
      if (largeNonHugetlb(truth, x.folio)) this.take(MM_IDS, x.folio, false)
    } else if (era >= 615 && t === 'pmd/remapped' && largeNonHugetlb(truth, x.folio!)) {
      this.take(MM_IDS, x.folio!, false)
      this.take(MM_IDS, x.folio!, false)
    }
  }

  /** the mm-, VMA- and file-level locks a statement takes once, at its first event */
  private statementLocks(op: Op, info: LineInfo | undefined, e: MmEvent, truth: TruthState): void {
    const x = e as unknown as { pid?: number; child?: number; vpn?: number; file?: number }
    const pid = x.pid ?? 0
    const era = this.era
    const fileKey = x.file ?? (x.vpn === undefined ? 0 : truth.vmaAt(pid as never, x.vpn)?.file ?? 0)
    switch (op) {
      case 'mmap':
      case 'munmap':
      case 'mprotect':
      case 'mremap':
      case 'madvise-write':
        this.take(MMAP_W, pid, false)
        if (info?.file === true && op !== 'mprotect' && op !== 'madvise-write') this.take(IMMAP_W, fileKey, false)
        if (info?.hugetlb === true && op === 'munmap') this.take(HVMA_W, pid, false)
        break
      case 'fork':
        this.take(MMAP_W, pid, false)
        if (x.child !== undefined) this.take(MMAP_W, x.child, false)
        // dup_mmap() links every file-backed child VMA into its file's i_mmap tree
        for (const v of truth.vmas(pid as never) ?? []) if (v.file !== 0) this.take(IMMAP_W, v.file, false)
        break
      case 'exit':
        this.take(MMAP_R, pid, false)
        this.take(MMAP_W, pid, false)
        break
      case 'populate':
      case 'madvise-read':
        this.take(MMAP_R, pid, false)
        break
      case 'zap':
        if (era >= 616) this.take(VMA_R, pid, false)
        else this.take(MMAP_R, pid, false)
        if (info?.hugetlb === true) {
          this.take(HVMA_W, pid, false)
          this.take(IMMAP_W, fileKey, false)
        }
        break
      case 'continue':
        if (era >= 609) this.take(VMA_R, pid, false)
        else this.take(MMAP_R, pid, false)
        break
      case 'punch':
        if (info?.hugetlb === true) {
          this.take(IMMAP_W, fileKey, false)
          this.take(HVMA_W, pid, false)
        } else this.take(IMMAP_R, fileKey, false)
        break
      case 'fault':
      case 'other':
        break
      default:
        assertNever(op, 'statement op')
    }
  }

  /** tally - the counts so far, classes in LOCK_CLASSES order, the @top busiest instances of each */
  tally(top = 5): LockTally {
    return {
      era: this.era,
      classes: LOCK_CLASSES.map((lock, c) => ({
        lock,
        acquisitions: this.acq[c]!,
        eventsHeld: this.held[c]!,
        instances: this.inst[c]!.size + (this.others[c]! > 0 ? 1 : 0),
        top: [...this.inst[c]!].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top).map(([k, n]) => ({ instance: instanceName(c, k), acquisitions: n })),
      })),
    }
  }
}

/** unknownType - an event of a type this version does not know (compile time: none is left out, @t is `never`): no page-table lock, as before */
function unknownType(_t: never): void {}

/** a (pid, page-table page or VMA start) key; pids are small, table indexes < 2^45 */
const ptKey = (pid: number, n: number): number => n * 1024 + pid

function instanceName(c: number, k: number): string {
  const pid = k % 1024
  const n = Math.floor(k / 1024)
  switch (c) {
    case PTL_PTE:
      return `p${pid} PTE table 0x${(n * HPAGE_PMD_NR * 4096).toString(16)}`
    case PTL_PMD:
      return `p${pid} PMD table 0x${(n * HPAGE_PUD_NR * 4096).toString(16)}`
    case VMA_R:
    case HVMA_R:
      return n === 0 ? `p${pid}` : `p${pid} VMA 0x${(n * 4096).toString(16)}`
    case IMMAP_R:
    case IMMAP_W:
      return `file ${k}`
    case MM_IDS:
      return `folio 0x${k.toString(16)}`
    default:
      return `p${k}`
  }
}

/** the line number ending @cause ('file:LINE'), or −1; read digit by digit (no string per event) */
function lineOf(cause: string): number {
  let n = 0
  let scale = 1
  for (let i = cause.length - 1; i >= 0; i--) {
    const d = cause.charCodeAt(i) - 48
    if (d >= 0 && d <= 9) {
      n += d * scale
      scale *= 10
      continue
    }
    return cause.charCodeAt(i) === 58 && scale > 1 ? n : -1
  }
  return -1
}

/** is @folio large (rmap/* events never name a HugeTLB folio: those are hugetlb/* events) */
function largeNonHugetlb(truth: TruthState, folio: number): boolean {
  return folio >= 0 && folio <= MAX_PFN && truth.folios.headOrder(folio) > 0
}
