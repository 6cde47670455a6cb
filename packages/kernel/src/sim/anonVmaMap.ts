import type { Vma } from '@mmsim/core'

/**
 * AnonVmaMap - which VMAs have an anon_vma, per process, as address ranges. The kernel attaches an
 * anon_vma to one VMA when a fault first needs it (vmf_anon_prepare(): anon write faults, COW faults,
 * the huge zero PMD; not a read fault mapping the 4K zero page); the parts of a split VMA keep it, a
 * forked child's copy of the VMA gets one (anon_vma_fork()), mremap moves it with the VMA. VMAs split
 * before any anon_vma existed each get their own later. fork copies page tables only of VMAs with one.
 * @see __anon_vma_prepare(), anon_vma_fork(), vma_needs_copy() — mm/rmap.c, mm/memory.c
 */
export class AnonVmaMap {
  private readonly ranges = new Map<number, [number, number, number][]>()
  private nextId = 1
  /** bumped on every change (callers cache answers derived from the map) */
  version = 0

  /** has - does the VMA piece of @pid at @vpn have an anon_vma? */
  has(pid: number, vpn: number): boolean {
    return this.id(pid, vpn) !== 0
  }

  /** id - which anon_vma the VMA piece of @pid at @vpn has (0: none); split parts share one. */
  id(pid: number, vpn: number): number {
    if (pid === this.lastPid && this.lastVersion === this.version && this.lastLo <= vpn && vpn < this.lastHi) return this.lastId
    const rs = this.ranges.get(pid)
    if (rs === undefined) return 0
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!
      if (r[0] <= vpn && vpn < r[1]) {
        // remember the part of r around vpn where no earlier (newer) range overlaps it: there r answers first
        let lo = r[0]
        let hi = r[1]
        for (let k = 0; k < i; k++) {
          const e = rs[k]!
          if (e[1] <= vpn) lo = Math.max(lo, e[1])
          else if (e[0] > vpn) hi = Math.min(hi, e[0])
        }
        this.lastPid = pid
        this.lastVersion = this.version
        this.lastLo = lo
        this.lastHi = hi
        this.lastId = r[2]
        return r[2]
      }
    }
    return 0
  }

  // the answer id() gave last, for [lastLo, lastHi) of lastPid (faults walk a range page by page),
  // valid while version is unchanged
  private lastPid = -1
  private lastVersion = -1
  private lastLo = 0
  private lastHi = 0
  private lastId = 0

  /**
   * mark - the VMA of @pid containing @vpn gets an anon_vma: the core VMA @vmas holds there, extended over
   * adjacent core VMAs the kernel would have merged with it (same flags, no anon_vma yet).
   */
  mark(pid: number, vpn: number, vmas: readonly Vma[], mergeable: (a: Vma, b: Vma) => boolean): void {
    if (this.has(pid, vpn)) return
    const i = vmas.findIndex((v) => v.start <= vpn && vpn < v.end)
    if (i < 0) return
    let lo = i
    let hi = i
    while (lo > 0 && mergeable(vmas[lo - 1]!, vmas[lo]!) && !this.has(pid, vmas[lo - 1]!.start)) lo--
    while (hi + 1 < vmas.length && mergeable(vmas[hi]!, vmas[hi + 1]!) && !this.has(pid, vmas[hi + 1]!.start)) hi++
    this.add(pid, vmas[lo]!.start, vmas[hi]!.end, this.nextId++)
  }

  /** add - [a, b) of @pid has anon_vma @id. */
  add(pid: number, a: number, b: number, id: number): void {
    let r = this.ranges.get(pid)
    if (r === undefined) this.ranges.set(pid, (r = []))
    r.unshift([a, b, id])
    this.version++
  }

  /** fork - @child's VMAs have anon_vmas where @pid's do (new ones: anon_vma_fork() gives each its own). */
  fork(pid: number, child: number): void {
    this.ranges.set(child, (this.ranges.get(pid) ?? []).map(([a, b]) => [a, b, this.nextId++]))
    this.version++
  }

  /** move - mremap moved [vpn, vpn + nr) of @pid to @newVpn: the anon_vma moves with it. */
  move(pid: number, vpn: number, nr: number, newVpn: number): void {
    for (const [a, b, id] of [...(this.ranges.get(pid) ?? [])]) {
      const lo = Math.max(a, vpn)
      const hi = Math.min(b, vpn + nr)
      if (lo < hi) this.add(pid, lo - vpn + newVpn, hi - vpn + newVpn, id)
    }
  }

  /** exit - @pid is gone. */
  exit(pid: number): void {
    this.ranges.delete(pid)
    this.version++
  }
}
