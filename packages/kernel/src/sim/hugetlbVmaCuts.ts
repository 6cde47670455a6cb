/**
 * HugetlbVmaCuts - where a process's HugeTLB VMAs were split, per process, as page numbers. The core
 * splits its VMAs at every range it changes and the simulator joins adjacent pieces with the same flags
 * into one kernel VMA (sameKernelVma()), as vma_modify() merges them — but a HugeTLB VMA is never merged
 * again once split: its vm_ops has a close() (hugetlb_vm_op_close()), and a merge that would remove a
 * VMA with one is refused (can_merge_remove_vma()). So an mprotect/madvise that changed the flags of part
 * of it, or a userfaultfd registration of part of it, leaves a cut that putting the flags back does not
 * undo (live kernel: `continue` of the whole range is ENOENT after either, corpus
 * hugetlb-uffd-split-stays, hugetlb-mprotect-split-stays). fork copies the VMAs as they are; mremap moves
 * the cuts inside the moved range with it.
 * @see can_merge_remove_vma(), vma_merge_existing_range(), hugetlb_vm_ops — mm/vma.c, mm/hugetlb.c
 */
export class HugetlbVmaCuts {
  private readonly cuts = new Map<number, Set<number>>()

  /** has - was a HugeTLB VMA of @pid cut at page @vpn? */
  has(pid: number, vpn: number): boolean {
    return this.cuts.get(pid)?.has(vpn) === true
  }

  /** cut - HugeTLB VMAs of @pid are split at @vpns (range ends; a cut at a VMA's own edge changes nothing). */
  cut(pid: number, ...vpns: number[]): void {
    let s = this.cuts.get(pid)
    if (s === undefined) this.cuts.set(pid, (s = new Set()))
    for (const v of vpns) s.add(v)
  }

  /** inside - the cuts of @pid strictly inside (@lo, @hi), ascending. */
  inside(pid: number, lo: number, hi: number): number[] {
    const s = this.cuts.get(pid)
    if (s === undefined) return []
    const out: number[] = []
    for (const v of s) if (v > lo && v < hi) out.push(v)
    return out.sort((a, b) => a - b)
  }

  /** fork - @child gets a copy of @pid's VMAs, cuts included (dup_mmap()). */
  fork(pid: number, child: number): void {
    const s = this.cuts.get(pid)
    if (s !== undefined) this.cuts.set(child, new Set(s))
  }

  /** move - mremap moved [vpn, vpn + nr) of @pid to @newVpn: the cuts strictly inside move with it. */
  move(pid: number, vpn: number, nr: number, newVpn: number): void {
    const s = this.cuts.get(pid)
    if (s === undefined) return
    for (const v of [...s]) {
      if (v > vpn && v < vpn + nr) {
        s.delete(v)
        s.add(newVpn + (v - vpn))
      }
    }
  }

  /** exit - @pid's mm is gone. */
  exit(pid: number): void {
    this.cuts.delete(pid)
  }
}
