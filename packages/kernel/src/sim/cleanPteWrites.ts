import type { MmEvent } from '@mmsim/core'
import { PfnBits } from './pfnBits.ts'

/**
 * CleanPteWrites - shmem pages written through a PTE (or PMD) that was already writable: the write does not
 * fault, so the hardware sets that entry's dirty bit and nothing sets the folio's (fault_dirty_shared_page()
 * runs only in the write-fault paths). A shared shmem VMA has no write notification (no page_mkwrite, no
 * dirty accounting), so a read fault, or fault-around, maps the page writable and clean. smaps counts a
 * page dirty when its entry or its folio is (smaps_account()), so the process that wrote sees it dirty and
 * another mapping it sees it clean (live: difftest --mix wide seed 172, corpus shmem-read-then-write-smaps).
 * @pages: pages whose data came only from such writes (a faulting write, or any other writer, clears them)
 * Entries: per process, the dirty PTEs (vpn) and PMD leaves (first vpn) of those writes, cleared when the
 * entry goes (`rmap/removed`, exit), moved by mremap; fork gives the child clean copies (copy_present_pte():
 * pte_mkclean() for VM_SHARED).
 * mprotect ro then rw makes the PTEs writable again without a fault (a shared VMA without write notification
 * takes vm_page_prot as it is: change_protection() -> pte_modify()), so the next write does not fault either.
 * @see smaps_account(), do_shared_fault(), wp_page_shared(), fault_dirty_shared_page(), vma_wants_writenotify() — fs/proc/task_mmu.c, mm/memory.c, mm/mmap.c
 */
export class CleanPteWrites {
  readonly pages = new PfnBits()
  private readonly ptes = new Map<number, Set<number>>()
  private readonly pmds = new Map<number, Set<number>>()

  /**
   * wrote - the entry of @pid at @vpn (a PMD leaf at @pmdBase, else -1) is dirty: written through while
   * writable, or installed dirty (UFFDIO_CONTINUE: mfill_atomic_install_pte() -> pte_mkdirty()).
   */
  wrote(pid: number, vpn: number, pmdBase: number): void {
    const m = pmdBase >= 0 ? this.pmds : this.ptes
    let s = m.get(pid)
    if (s === undefined) m.set(pid, (s = new Set()))
    s.add(pmdBase >= 0 ? pmdBase : vpn)
  }

  /** dirtyEntry - is the entry of @pid at @vpn (a PMD leaf at @pmdBase, else -1) dirty from such a write? */
  dirtyEntry(pid: number, vpn: number, pmdBase: number): boolean {
    return (pmdBase >= 0 ? this.pmds : this.ptes).get(pid)?.has(pmdBase >= 0 ? pmdBase : vpn) === true
  }

  /** onEvent - follow the entries: removed, moved, or the whole mm gone. */
  onEvent(e: MmEvent): void {
    if (this.ptes.size === 0 && this.pmds.size === 0) return
    if (e.type === 'rmap/removed') {
      if (e.level === 'pmd') this.pmds.get(e.pid)?.delete(e.vpn)
      else if (e.level === 'pte') {
        const s = this.ptes.get(e.pid)
        if (s !== undefined) for (let v = e.vpn; v < e.vpn + e.nrPages; v++) s.delete(v)
      }
    } else if (e.type === 'process/exited') {
      this.ptes.delete(e.pid)
      this.pmds.delete(e.pid)
    } else if (e.type === 'vma/moved') {
      for (const m of [this.ptes, this.pmds]) {
        const s = m.get(e.pid)
        if (s === undefined) continue
        for (const v of [...s]) {
          if (v >= e.vpn && v < e.vpn + e.nrPages) {
            s.delete(v)
            s.add(e.newVpn + (v - e.vpn))
          }
        }
      }
    }
  }
}
