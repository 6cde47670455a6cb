import type { ProcessCreated, ProcessExited, ProcessForked } from '../events/process.ts'
import type { Vma } from '../state/mmState.ts'
import type { Txn } from '../state/txn.ts'

/** process/created: a new empty mm. */
export function processCreated(tx: Txn, e: ProcessCreated): void {
  if (tx.vmas(e.pid) !== null) return tx.violate(`process p${e.pid} is already live`)
  const vmas: Vma[] = []
  tx.procsForWrite()[e.pid] = { pid: e.pid, parent: -1, vmas }
  tx.setVmaCache(e.pid, vmas)
}

/** process/forked: the child gets the parent's VMAs except VM_DONTCOPY ones, and empty page tables. */
export function processForked(tx: Txn, e: ProcessForked): void {
  const vmas = tx.vmas(e.pid)
  if (vmas === null) return tx.violate(`parent p${e.pid} is not live`)
  if (tx.vmas(e.child) !== null) return tx.violate(`child p${e.child} is already live`)
  const inherited = vmas.filter((v) => !v.dontfork)
  tx.procsForWrite()[e.child] = { pid: e.child, parent: e.pid, vmas: inherited }
  tx.setVmaCache(e.child, inherited)
}

/** process/exited: the mm goes away; it must map nothing any more. */
export function processExited(tx: Txn, e: ProcessExited): void {
  if (tx.vmas(e.pid) === null) return tx.violate(`process p${e.pid} is not live`)
  const present = tx.procTables(e.pid)?.present ?? 0
  if (present > 0) return tx.violate(`p${e.pid} exits with ${present} entries still mapped (exit_mmap zaps them first)`)
  delete tx.procsForWrite()[e.pid]
  tx.dropProcTables(e.pid)
  tx.setVmaCache(e.pid, null)
}
