import type { Pid } from '../events/common.ts'
import type { FolioRec } from '../state/mmState.ts'

/** addOwner - @pid maps @n more entries of folio @f (f must be writable in the current transaction). */
export function addOwner(f: FolioRec, pid: Pid, n: number): void {
  const o = f.owners
  let i = 0
  while (i < o.length && o[i]! < pid) i += 2
  if (i < o.length && o[i] === pid) {
    o[i + 1] = o[i + 1]! + n
    if (o[i + 1] === 0) o.splice(i, 2)
  } else if (n !== 0) {
    o.splice(i, 0, pid, n)
  }
}
