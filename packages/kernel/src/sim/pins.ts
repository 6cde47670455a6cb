/**
 * Extra folio references the simulated kernel tracks beside the ground truth (which has no refcounts):
 * GUP pins, vmsplice() pipe buffers, I/O in flight. Taken by the [extension] `pin RANGE` statement
 * (docs/scenario-language.md §8.5: the live runner vmsplice()s the range into a pipe kept open) and by
 * tests through takeExtraRef(); read by punch's split (splitBlocked()) and by freeIfUnused(): a folio
 * with extra references is not freed when it leaves the page cache, only when the last one is dropped.
 *
 * No imports but types, so that simContext.ts can ask {@link extraRefs} without an import cycle.
 */

/** PinTable - @refs: extra references per folio head; @byProc: the heads each process's pins hold, one per page */
interface PinTable {
  refs: Map<number, number>
  byProc: Map<string, number[]>
}

const tables = new WeakMap<object, PinTable>()

function table(ctx: object): PinTable {
  let t = tables.get(ctx)
  if (t === undefined) tables.set(ctx, (t = { refs: new Map(), byProc: new Map() }))
  return t
}

/** extraRefs - the extra references on the folio headed at @head in simulated kernel @ctx. */
export function extraRefs(ctx: object, head: number): number {
  return tables.get(ctx)?.refs.get(head) ?? 0
}

/** anyPins - does any process (or test) hold an extra reference in @ctx? */
export function anyPins(ctx: object): boolean {
  return (tables.get(ctx)?.refs.size ?? 0) > 0
}

/**
 * addExtraRef - one more reference on folio @head, held by process @proc (dropped by {@link dropPins}) or,
 * without @proc, for the rest of the run (tests).
 */
export function addExtraRef(ctx: object, head: number, proc?: string): void {
  const t = table(ctx)
  t.refs.set(head, (t.refs.get(head) ?? 0) + 1)
  if (proc === undefined) return
  let l = t.byProc.get(proc)
  if (l === undefined) t.byProc.set(proc, (l = []))
  l.push(head)
}

/**
 * dropPins - @proc closes the pipes its pins hold (`unpin`, or its exit): every reference it took goes.
 * @returns the folio heads left with no extra reference, in ascending order (the caller frees those that
 *   nothing maps and no page cache holds any more)
 */
export function dropPins(ctx: object, proc: string): number[] {
  const t = tables.get(ctx)
  const l = t?.byProc.get(proc)
  if (t === undefined || l === undefined) return []
  t.byProc.delete(proc)
  const released = new Set<number>()
  for (const h of l) {
    const n = t.refs.get(h)! - 1
    if (n > 0) t.refs.set(h, n)
    else {
      t.refs.delete(h)
      released.add(h)
    }
  }
  return [...released].sort((a, b) => a - b)
}
