import { hugetlbPunch } from './hugetlb.ts'
import { dropFromCache, hasBufferHeads } from './pageCache.ts'
import { FolioList, PfnBits } from './pfnBits.ts'
import { addExtraRef, extraRefs } from './pins.ts'
import type { MapRec, SimContext } from './simContext.ts'
import { splitPmd, zapPtes } from './zap.ts'

/**
 * SplitFailure - a large page-cache folio a punch could not split: it stays whole, its punched pages zeroed.
 * @folio: head PFN; @order: its order; @cause: the punch statement (`file:line`); @reason: why split_folio() failed
 */
export interface SplitFailure {
  folio: number
  order: number
  cause: string
  reason: string
}

/**
 * PunchRecord - what the simulated kernel's punches did to large page-cache folios, kept beside the
 * SimContext (the ground truth has no page contents; each failure is also a `folio/splitFailed` event):
 * @held: pages of a hole the kernel zeroed but could not free (their folio did not split)
 * @failed: folios whose split failed, in punch order (flag-on-failed-split's reclaim candidates)
 * @splits: large folios a punch split; @splitFreed: pages those splits let the punch free (what a
 *   failed split would have kept allocated)
 */
export interface PunchRecord {
  held: PfnBits
  failed: SplitFailure[]
  splits: number
  splitFreed: number
}

const records = new WeakMap<SimContext, PunchRecord>()
/** the errno __folio_split() answers for extra references */
const EAGAIN = 11
const EBUSY = 16
let everySplitFails = false

/**
 * withFailingSplits - call @fn (a synchronous simulated run) with every punch's split failing, as if each
 * large page-cache folio held an extra reference: the what-if behind flag-on-failed-split's numbers.
 * @returns what @fn returns
 */
export function withFailingSplits<T>(fn: () => T): T {
  everySplitFails = true
  try {
    return fn()
  } finally {
    everySplitFails = false
  }
}

/** punchRecord - the {@link PunchRecord} of @ctx (created empty on first use). */
export function punchRecord(ctx: SimContext): PunchRecord {
  let r = records.get(ctx)
  if (r === undefined) records.set(ctx, (r = { held: new PfnBits(), failed: [], splits: 0, splitFreed: 0 }))
  return r
}

/**
 * takeExtraRef - an extra reference on page-cache folio @head, as folio_try_get() by GUP (FOLL_GET/FOLL_PIN),
 * vmsplice() into a pipe or in-flight direct I/O takes; held by process @proc (the `pin` statement, dropped
 * by `unpin` or its exit) or, without @proc, for the rest of the run (tests). See pins.ts.
 */
export function takeExtraRef(ctx: SimContext, head: number, proc?: string): void {
  addExtraRef(ctx, head, proc)
}

/**
 * splitBlocked - why split_folio() of page-cache folio @head would fail now, or null if it would succeed.
 * __folio_split() of a shmem/file folio fails with -EAGAIN when can_split_folio() (or the ref freeze after
 * unmap_folio()) finds references beyond folio_mapcount() + the page cache's 2^order + the caller's one.
 * Mappings never block it: each holds one reference per entry, and unmap_folio() unmaps every one
 * (try_to_unmap() with TTU_IGNORE_MLOCK, so mlock does not either). The other failures (-EBUSY) need
 * writeback, swap cache, a truncated folio or filemap_release_folio() refusing buffer heads — none of
 * which a shmem folio can be in here (no swap, no writeback).
 * @see __folio_split(), can_split_folio(), unmap_folio() — mm/huge_memory.c
 */
export function splitBlocked(ctx: SimContext, head: number): string | null {
  if (everySplitFails) return 'every split fails (what-if run)'
  if (hasBufferHeads(ctx, head)) return 'buffer heads of a written ext4 folio (filemap_release_folio(): -EBUSY)'
  const refs = extraRefs(ctx, head)
  return refs > 0 ? `${refs} extra reference${refs > 1 ? 's' : ''} (pin)` : null
}

/**
 * punchFile - fallocate(PUNCH_HOLE) of file pages [index, index + nr) of the file behind @m.
 * Page-cache pages of the range are unmapped from every process (private COW anon copies survive)
 * and removed from the cache. A large shmem folio only partly inside is split — which unmaps all of
 * it everywhere (file folios are not remapped after a split) — and only the pages in the range go.
 * When the split fails ({@link splitBlocked}) the folio stays whole and mapped outside the hole, the
 * hole's pages zeroed (folio_zero_range()) and still allocated; the failure is recorded in
 * {@link punchRecord}. HugeTLB files: see hugetlbPunch().
 * @see shmem_fallocate(), shmem_undo_range(), truncate_inode_partial_folio(), unmap_mapping_range() —
 *      mm/shmem.c, mm/truncate.c, mm/memory.c
 */
export function punchFile(ctx: SimContext, m: MapRec, index: number, nr: number): void {
  if (m.hpages > 1) return hugetlbPunch(ctx, m.file, index, index + nr, m.hpages)
  const pc = ctx.files.get(m.file)
  if (pc === undefined) return
  const heads = new Set<number>()
  for (let i = index; i < index + nr; i++) {
    const h = pc.cache.get(i)
    if (h !== undefined) heads.add(h)
  }
  for (const h of [...heads].sort((a, b) => a - b)) {
    const f = ctx.folio(h)
    const n = 2 ** f.order
    const whole = f.index >= index && f.index + n <= index + nr
    const first = Math.max(index, f.index)
    const after = Math.min(index + nr, f.index + n)
    // shmem_undo_range() marks a partial folio dirty before truncate_inode_partial_folio() zeroes its part of
    // the hole (and splits it): what is left of it is dirty whether or not the split succeeds (ext4's
    // truncate_inode_pages_range() does not)
    if (!whole && f.kind === 'shmem') ctx.markDirty(h)
    const reason = whole ? null : splitBlocked(ctx, h)
    if (reason !== null) {
      // shmem_fallocate()'s unmap_mapping_range() unmapped the hole only; can_split_folio() fails before
      // unmap_folio(), so the rest stays mapped; truncate_inode_partial_folio() zeroed the hole and keeps it
      // ext4 (not shmem): try_folio_split_or_unmap() unmaps the whole folio everywhere when the split fails,
      // and truncate_inode_partial_folio() then truncates a clean one whole; a dirty one stays cached
      if (f.kind === 'file') {
        unmapFolio(ctx, m.file, h)
        if (!hasBufferHeads(ctx, h)) {
          dropFromCache(ctx, h)
          continue
        }
      } else unmapFolio(ctx, m.file, h, first, after)
      const r = punchRecord(ctx)
      for (let i = first; i < after; i++) r.held.add(h + (i - f.index))
      ctx.forgetData(h + (first - f.index), after - first)
      r.failed.push({ folio: h, order: f.order, cause: ctx.cause, reason })
      // try_folio_split() at the hole's first page returned -EAGAIN (and so does the retry at the page after it)
      ctx.emit('folio/splitFailed', { folio: h, page: h + (first - f.index), errno: hasBufferHeads(ctx, h) ? EBUSY : EAGAIN })
      continue
    }
    unmapFolio(ctx, m.file, h)
    if (whole) {
      dropFromCache(ctx, h)
      continue
    }
    // truncate_inode_partial_folio(): a non-uniform split at the hole's first page, then one at the page
    // after the hole if that is still inside; the folios then wholly inside the hole are truncated
    buddySplit(ctx, m.file, h + (first - f.index))
    if (after < f.index + n) buddySplit(ctx, m.file, h + (after - f.index))
    const r = punchRecord(ctx)
    r.splits++
    r.splitFreed += after - first
    for (let i = f.index; i < f.index + n; ) {
      const head = pc.cache.get(i)!
      const size = 2 ** ctx.folio(head).order
      if (i >= index && i + size <= index + nr) dropFromCache(ctx, head)
      i += size
    }
  }
}

/**
 * buddySplit - folio_split() of the page-cache folio holding page @pfn: the folio is halved repeatedly,
 * keeping the half without @pfn, until @pfn is an order-0 folio (orders n-1, n-2, …, 1, 0, 0). Modelled
 * as successive uniform splits into halves (`folio/split`), which reach the same state.
 * @see folio_split(), __split_unmapped_folio() — mm/huge_memory.c
 */
export function buddySplit(ctx: SimContext, file: number, pfn: number): void {
  const pc = ctx.files.get(file)!
  for (;;) {
    const f = ctx.folioAt(pfn)!
    if (f.order === 0) return
    ctx.emit('folio/split', { folio: f.pfn, newOrder: f.order - 1 })
    const half = 2 ** (f.order - 1)
    for (let i = 0; i < 2 * half; i++) pc.cache.set(f.index + i, f.pfn + (i < half ? 0 : half))
  }
}

/**
 * unmapFolio - unmap every page-table entry of any process mapping page-cache folio @head of @file, or
 * only those mapping its file pages [lo, hi) (a PMD mapping any of them goes whole: file PMDs are zapped,
 * not split into PTEs).
 */
export function unmapFolio(ctx: SimContext, file: number, head: number, lo = -Infinity, hi = Infinity): void {
  const f = ctx.folio(head)
  const n = 2 ** f.order
  const from = Math.max(f.index, lo)
  const to = Math.min(f.index + n, hi)
  for (const [proc, t] of ctx.procs) {
    const pid = Number(proc.slice(1))
    for (const mm of t.values()) {
      if (mm.file !== file) continue
      const base = mm.start + (from - mm.pgoff)
      for (let v = Math.max(base, mm.start); v < Math.min(base + (to - from), mm.start + mm.nrPages); v++) {
        const pfn = ctx.entry(pid, v)
        if (pfn < head || pfn >= head + n) continue
        if (ctx.pmdLeaf(pid, v) === head) splitPmd(ctx, pid, v)
        else zapPtes(ctx, pid, v, v + 1, new FolioList())
      }
    }
  }
}
