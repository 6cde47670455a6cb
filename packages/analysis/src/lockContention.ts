/**
 * A discrete-event contention model of HGM post-copy (issue 11 item 2, seed 003): N vCPU threads each
 * resolve M 4 KiB `UFFDIO_CONTINUE` faults in a HugeTLB-backed guest, and every fault takes one lock whose
 * identity depends on the locking design. Pure: no I/O, no clock; the only randomness is a seeded PRNG.
 *
 * Hold-time model (every time an integer number of ns, fixed, no jitter):
 *   - a vCPU's fault is `workNs` outside the lock (ioctl entry, page-cache lookup of the hugetlb folio, the
 *     lock-free part of the walk) followed by the design's critical section `holdNs` under its lock;
 *   - a vCPU issues its next fault as soon as the previous one's lock is released; all vCPUs start at 0;
 *   - a lock is granted in FIFO order of request (qspinlock and rwsem writers queue in order); at one instant
 *     releases happen before requests, and the lower vCPU number asks first; handing over costs nothing;
 *   - every fault is an independent install: two faults on the same 4 KiB page both take the lock.
 * The lock each design takes for a fault at guest-physical offset `a` (the VMA maps the guest from 0):
 *   - `mm-page-table-lock`: `mm->page_table_lock`, one lock;
 *   - `split-pmd-ptl`: the split PMD lock of the PMD table, one per 1 GiB (`a >> 30`);
 *   - `split-pte-ptl`: the PTE table's lock found through the PMD (`hugetlb_pte`), one per 2 MiB (`a >> 21`);
 *   - `hugetlb-vma-lock-write`: the HugeTLB VMA lock taken for write, one lock (held for the whole fault's
 *     walk and install, so by default longer than a page-table lock).
 * @see hugetlb_mcopy_atomic_pte(), huge_pte_lockptr(), hugetlb_vma_lock_write() — mm/hugetlb.c
 */

import { HPAGE_PMD_NR, mulberry32 } from '@mmsim/core'

/** LOCK_DESIGNS - the modelled designs, in report order. */
const LOCK_DESIGNS = ['mm-page-table-lock', 'split-pmd-ptl', 'split-pte-ptl', 'hugetlb-vma-lock-write'] as const
/** LockDesign - one of {@link LOCK_DESIGNS}. */
type LockDesign = (typeof LOCK_DESIGNS)[number]

/** FAULT_PATTERNS - which 4 KiB pages the vCPUs fault (see {@link faultAddress}). */
export const FAULT_PATTERNS = ['random', 'sequential', 'same-2M'] as const
/** FaultPattern - one of {@link FAULT_PATTERNS}. */
export type FaultPattern = (typeof FAULT_PATTERNS)[number]

/** HUGE_PAGE_SIZES - the HugeTLB page sizes, in bytes. */
export const HUGE_PAGE_SIZES = { '2M': 2 ** 21, '1G': 2 ** 30 } as const
/** HugePageSize - `2M` or `1G`. */
export type HugePageSize = keyof typeof HUGE_PAGE_SIZES

/** LOCK_DEFAULTS - the default hold-time model, in ns. */
export const LOCK_DEFAULTS = { workNs: 5000, ptlHoldNs: 200, vmaHoldNs: 1000 } as const

/** LockModel - the input of {@link simulateLocks}. */
export interface LockModel {
  vcpus: number
  faults: number
  page: HugePageSize
  pattern: FaultPattern
  seed: number
  /** guest memory in bytes: a positive multiple of the page size */
  guestBytes: number
  workNs: number
  /** critical section of the three page-table-lock designs */
  ptlHoldNs: number
  /** critical section of `hugetlb-vma-lock-write` */
  vmaHoldNs: number
  designs?: readonly LockDesign[]
}

/** DesignResult - what one design's run measured. */
interface DesignResult {
  design: LockDesign
  /** the lock's granularity as text: `one per mm`, `one per 2 MiB`, … */
  lock: string
  holdNs: number
  /** lock acquisitions: one per fault */
  acquisitions: number
  /** distinct lock instances taken */
  locks: number
  /** acquisitions that found the lock held */
  contended: number
  /** the most vCPUs waiting for one lock at once (the holder not counted) */
  maxQueue: number
  /** sum over vCPUs of the time spent waiting, ns */
  waitNs: number
  /** waitNs / the sum over vCPUs of the time from 0 to their last release */
  waitFraction: number
  /** the time the last fault's lock is released, ns */
  totalNs: number
  /** totalNs without any waiting: faults × (workNs + holdNs) */
  uncontendedNs: number
}

/** LockReport - {@link simulateLocks}'s result: the model echoed, then one result per design. */
export interface LockReport {
  model: Required<LockModel>
  designs: DesignResult[]
}

const PAGE_4K = 4096

/**
 * faultAddress - the guest offset of vCPU @v's fault number @j under @m.pattern:
 *   - `random`: a uniformly random 4 KiB page of the guest (@rand);
 *   - `sequential`: vCPU v streams through hugepage v, then v + vcpus, … (mod the guest's hugepages), one
 *     4 KiB page after the other;
 *   - `same-2M`: a uniformly random 4 KiB page of the guest's first 2 MiB (@rand).
 */
export function faultAddress(m: LockModel, v: number, j: number, rand: () => number): number {
  const size = HUGE_PAGE_SIZES[m.page]
  switch (m.pattern) {
    case 'random':
      return Math.floor(rand() * (m.guestBytes / PAGE_4K)) * PAGE_4K
    case 'same-2M':
      return Math.floor(rand() * HPAGE_PMD_NR) * PAGE_4K
    case 'sequential': {
      const perPage = size / PAGE_4K
      const huge = (v + m.vcpus * Math.floor(j / perPage)) % (m.guestBytes / size)
      return huge * size + (j % perPage) * PAGE_4K
    }
  }
}

/** lockOf - the lock instance @design takes for a fault at guest offset @addr, and its granularity. */
function lockOf(design: LockDesign, addr: number): number {
  switch (design) {
    case 'mm-page-table-lock':
    case 'hugetlb-vma-lock-write':
      return 0
    case 'split-pmd-ptl':
      return Math.floor(addr / 2 ** 30)
    case 'split-pte-ptl':
      return Math.floor(addr / 2 ** 21)
  }
}

const GRANULARITY: Record<LockDesign, string> = {
  'mm-page-table-lock': 'one per mm',
  'split-pmd-ptl': 'one per 1 GiB',
  'split-pte-ptl': 'one per 2 MiB',
  'hugetlb-vma-lock-write': 'one per VMA',
}

interface Lock { held: boolean; queue: number[]; head: number }

// event queue: a binary min-heap of (time, seq) with the vCPU and kind packed beside it
class EventHeap {
  private t: number[] = []
  private s: number[] = []
  private x: number[] = []
  private seq = 0
  get size(): number { return this.t.length }
  push(time: number, item: number): void {
    const t = this.t, s = this.s, x = this.x
    let i = t.length
    const q = this.seq++
    t.push(time); s.push(q); x.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (t[p]! < time || (t[p] === time && s[p]! < q)) break
      t[i] = t[p]!; s[i] = s[p]!; x[i] = x[p]!
      i = p
    }
    t[i] = time; s[i] = q; x[i] = item
  }
  /** pop - the earliest event as [time, item] (ties: first pushed first). Precondition: size > 0. */
  pop(): [number, number] {
    const t = this.t, s = this.s, x = this.x
    const top: [number, number] = [t[0]!, x[0]!]
    const lt = t.pop()!, ls = s.pop()!, lx = x.pop()!
    const n = t.length
    if (n > 0) {
      let i = 0
      for (;;) {
        let c = 2 * i + 1
        if (c >= n) break
        if (c + 1 < n && (t[c + 1]! < t[c]! || (t[c + 1] === t[c] && s[c + 1]! < s[c]!))) c++
        if (lt < t[c]! || (lt === t[c] && ls < s[c]!)) break
        t[i] = t[c]!; s[i] = s[c]!; x[i] = x[c]!
        i = c
      }
      t[i] = lt; s[i] = ls; x[i] = lx
    }
    return top
  }
}

/**
 * simulateDesign - one design's run over the precomputed fault addresses @addr (vCPU v's fault j at
 * `addr[v * faults + j]`). Events: a vCPU requests its fault's lock `workNs` after its previous release
 * (or after 0); a release hands the lock to the first waiter.
 */
function simulateDesign(m: Required<LockModel>, design: LockDesign, addr: Float64Array): DesignResult {
  const hold = design === 'hugetlb-vma-lock-write' ? m.vmaHoldNs : m.ptlHoldNs
  const n = m.vcpus, f = m.faults
  const locks = new Map<number, Lock>()
  const lockIds = new Float64Array(n * f)
  for (let i = 0; i < n * f; i++) lockIds[i] = lockOf(design, addr[i]!)
  const done = new Int32Array(n) // faults released so far, per vCPU
  const asked = new Float64Array(n) // when the vCPU asked for its current lock
  const finish = new Float64Array(n)
  const heap = new EventHeap()
  let waitNs = 0, contended = 0, maxQueue = 0
  // item: vcpu * 2 + (0 = request, 1 = release)
  // heap key 2·time + (1 for a request): at one instant releases come first, then requests in push order
  for (let v = 0; v < n; v++) heap.push(2 * m.workNs + 1, v * 2)
  const lockFor = (id: number): Lock => {
    let l = locks.get(id)
    if (l === undefined) locks.set(id, (l = { held: false, queue: [], head: 0 }))
    return l
  }
  while (heap.size > 0) {
    const [key, item] = heap.pop()
    const now = Math.floor(key / 2)
    const v = item >> 1
    const l = lockFor(lockIds[v * f + done[v]!]!)
    if ((item & 1) === 0) {
      asked[v] = now
      if (!l.held) {
        l.held = true
        heap.push(2 * (now + hold), v * 2 + 1)
      } else {
        contended++
        l.queue.push(v)
        maxQueue = Math.max(maxQueue, l.queue.length - l.head)
      }
      continue
    }
    done[v]!++
    finish[v] = now
    if (done[v]! < f) heap.push(2 * (now + m.workNs) + 1, v * 2)
    if (l.head < l.queue.length) {
      const w = l.queue[l.head++]!
      if (l.head === l.queue.length) { l.queue.length = 0; l.head = 0 }
      waitNs += now - asked[w]!
      heap.push(2 * (now + hold), w * 2 + 1)
    } else {
      l.held = false
    }
  }
  let busy = 0, totalNs = 0
  for (let v = 0; v < n; v++) { busy += finish[v]!; totalNs = Math.max(totalNs, finish[v]!) }
  return {
    design, lock: GRANULARITY[design], holdNs: hold, acquisitions: n * f, locks: locks.size, contended, maxQueue,
    waitNs, waitFraction: busy === 0 ? 0 : waitNs / busy, totalNs, uncontendedNs: f * (m.workNs + hold),
  }
}

/**
 * simulateLocks - run every design of @model (default: all of {@link LOCK_DESIGNS}) on the same faults:
 * the addresses are drawn once from the seeded PRNG, vCPU by vCPU, fault by fault, so the designs see
 * identical workloads. Precondition: vcpus, faults ≥ 1; guestBytes a positive multiple of the page size;
 * times ≥ 0 integers (the caller validates).
 * @returns the model with its defaults filled in, and one {@link DesignResult} per design
 */
export function simulateLocks(model: LockModel): LockReport {
  const m: Required<LockModel> = { ...model, designs: model.designs ?? LOCK_DESIGNS }
  const rand = mulberry32(m.seed)
  const addr = new Float64Array(m.vcpus * m.faults)
  for (let v = 0; v < m.vcpus; v++) for (let j = 0; j < m.faults; j++) addr[v * m.faults + j] = faultAddress(m, v, j, rand)
  return { model: m, designs: m.designs.map((d) => simulateDesign(m, d, addr)) }
}
