import type { ByteRange, MadviseStatement, Statement } from '../scenario/statements.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import { addExtraRef, anyPins, dropPins, extraRefs } from './pins.ts'
import { notModelled, type MapRec, type SimContext } from './simContext.ts'
import { touchOp } from './touch.ts'

/**
 * pinOp - [extension] `PROC pin RANGE` (docs/scenario-language.md §8.5) on a shmem or file mapping: every
 * page of the range is read (the faults get_user_pages() would take, as the live runner reads first), then
 * one reference per page is taken on its folio — what vmsplice() into a pipe kept open holds (one pipe
 * buffer per page, iov_iter_get_pages2() → FOLL_GET). Such references make __folio_split() fail
 * (can_split_folio(): refcount beyond folio_mapcount() + 2^order + the caller's) until @proc unpins or exits.
 * kpagecount and kpageflags do not show them (mapcounts and flags only).
 * @throws Refusal('SIGSEGV') as `read` does
 * @see vmsplice_to_pipe(), iter_to_pipe() — fs/splice.c; can_split_folio() — mm/huge_memory.c
 */
export function pinOp(ctx: SimContext, proc: string, pid: number, m: MapRec, r: ByteRange): void {
  touchOp(ctx, pid, m, r, false)
  const first = m.start + r.offset / PAGE_SIZE
  for (let vpn = first; vpn < first + r.length / PAGE_SIZE; vpn++) {
    const pfn = ctx.entry(pid, vpn)
    const f = pfn >= 0 ? ctx.folioAt(pfn) : undefined
    if (f !== undefined) addExtraRef(ctx, f.pfn, proc)
  }
}

/**
 * unpinOp - `PROC unpin`, and a process's exit: the pipes close, the references go; a folio that left the
 * page cache while pinned (a punch of all of it) and that nothing maps is freed now. No split is retried:
 * a folio whose split failed stays whole (nothing in 6.18 retries it; the deferred split queue is anon only).
 */
export function unpinOp(ctx: SimContext, proc: string): void {
  for (const head of dropPins(ctx, proc)) ctx.freeIfUnused(head)
}

/**
 * refusePinnedSplit - `madvise pageout|cold|collapse` over a pinned folio: the kernel's split (or collapse:
 * SCAN_PAGE_COUNT) would fail for the extra references, which those paths of the simulator do not check;
 * refuse rather than guess (sim README, "Refusals").
 */
export function refusePinnedSplit(ctx: SimContext, pid: number, m: MapRec, st: MadviseStatement): void {
  if (!anyPins(ctx) || (st.advice !== 'pageout' && st.advice !== 'cold' && st.advice !== 'collapse')) return
  const first = m.start + st.range.offset / PAGE_SIZE
  for (let vpn = first; vpn < first + st.range.length / PAGE_SIZE; vpn++) {
    const pfn = ctx.entry(pid, vpn)
    const f = pfn >= 0 ? ctx.folioAt(pfn) : undefined
    if (f !== undefined && extraRefs(ctx, f.pfn) > 0) notModelled(ctx, `madvise ${st.advice} of a pinned folio (its split or collapse fails for the extra references)`)
  }
}

/**
 * scenarioOptionalTypes - the optional event types (core OPTIONAL_TYPES) a run of @statements may emit: a
 * trace writer declares them in its header (`optionalStructures()`). `folio/splitFailed` needs a pin.
 */
export function scenarioOptionalTypes(statements: readonly Statement[]): string[] {
  return statements.some((st) => st.op === 'pin') ? ['folio/splitFailed'] : []
}
