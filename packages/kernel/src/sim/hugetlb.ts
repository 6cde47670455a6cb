import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, HPAGE_PUD_NR, HPAGE_PUD_ORDER, type Vma } from '@mmsim/core'
import type { KnobSettings } from '../scenario/knobSettings.ts'
import { hgmFault } from './hgmFault.ts'
import { hgmZapHuge, NOT_HGM } from './hgmZap.ts'
import { pmdTableFor, pmdUnshare } from './pmdShare.ts'
import { Refusal, type MapRec, type SimContext } from './simContext.ts'

const LEVEL = (hpages: number): 'pmd' | 'pud' => (hpages === HPAGE_PMD_NR ? 'pmd' : 'pud')
const ORDER = (hpages: number): number => (hpages === HPAGE_PMD_NR ? HPAGE_PMD_ORDER : HPAGE_PUD_ORDER)
/** vmemmap pages freed per HugeTLB page by HVO on 6.18: 7 of 8 (2 MiB), 4095 of 4096 (1 GiB). */
const HVO_FREED: Record<number, number> = { [HPAGE_PMD_ORDER]: 7, [HPAGE_PUD_ORDER]: 4095 }

interface Reservations {
  /** outstanding reservations per order */
  count: Map<number, number>
  /** private VMAs: `pid:name` -> reserved huge-page indices (from the mapping start) */
  priv: Map<string, Set<number>>
  /** shared files: file -> reserved file huge-page indices */
  shared: Map<number, Set<number>>
  /** private VMAs (`pid:name`) whose page the reservation owner took (HPAGE_RESV_UNMAPPED) */
  unmapped: Set<string>
}

const resvOf = new WeakMap<SimContext, Reservations>()
function resv(ctx: SimContext): Reservations {
  let r = resvOf.get(ctx)
  if (r === undefined) resvOf.set(ctx, (r = { count: new Map(), priv: new Map(), shared: new Map(), unmapped: new Set() }))
  return r
}

function available(ctx: SimContext, order: number): number {
  return (ctx.pool.get(order)?.length ?? 0) - (resv(ctx).count.get(order) ?? 0)
}

/**
 * initPools - the scenario's `set hugetlb.SIZE=N`: N pages of each size enter the pool; with HVO on each
 * is vmemmap-optimized, freeing 7 (2 MiB) or 4095 (1 GiB) struct-page pages.
 * @see set_max_huge_pages(), alloc_fresh_hugetlb_folio(), hugetlb_vmemmap_optimize_folio() — mm/hugetlb.c, mm/hugetlb_vmemmap.c
 */
export function initPools(ctx: SimContext, k: KnobSettings): void {
  for (const [size, n] of [...k.hugetlb.entries()].sort((a, b) => a[0] - b[0])) {
    const order = Math.log2(size / 4096)
    const free: number[] = []
    for (let i = 0; i < n; i++) {
      const pfn = ctx.alloc.alloc(order)
      ctx.emit('hugetlb/poolGrown', { folio: pfn, order })
      if (k.hvo) {
        ctx.emit('hvo/optimized', { folio: pfn })
        ctx.vmemmapDelta -= HVO_FREED[order] ?? 0
      }
      free.push(pfn)
    }
    ctx.pool.set(order, free)
  }
}

/**
 * hugetlbReserve - mmap of a HugeTLB mapping reserves its pages (private: every page of the VMA;
 * shared: file pages neither cached nor reserved yet). ENOMEM when the pool cannot.
 * @see hugetlb_reserve_pages() — mm/hugetlb.c
 */
export function hugetlbReserve(ctx: SimContext, pid: number, m: MapRec): void {
  const order = ORDER(m.hpages)
  const r = resv(ctx)
  const n = m.nrPages / m.hpages
  const want: number[] = []
  if (m.shared) {
    const set = r.shared.get(m.file) ?? new Set<number>()
    const pc = ctx.files.get(m.file)!
    for (let i = 0; i < n; i++) {
      const idx = m.pgoff / m.hpages + i
      if (!set.has(idx) && !pc.cache.has(idx)) want.push(idx)
    }
    if (available(ctx, order) < want.length) throw new Refusal('ENOMEM')
    for (const i of want) set.add(i)
    r.shared.set(m.file, set)
  } else {
    if (available(ctx, order) < n) throw new Refusal('ENOMEM')
    r.priv.set(`${pid}:${m.name}`, new Set(Array.from({ length: n }, (_, i) => i)))
    want.length = n
  }
  r.count.set(order, (r.count.get(order) ?? 0) + want.length)
}

/** hugetlbUnusedReservations - does private mapping @m of @pid still hold a reservation for a huge page of [vpn, vpn + nr)? */
export function hugetlbUnusedReservations(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): boolean {
  if (m.shared) return false
  const set = resv(ctx).priv.get(`${pid}:${m.name}`)
  if (set === undefined) return false
  for (let v = vpn - ((vpn - m.start) % m.hpages); v < vpn + nr; v += m.hpages) if (set.has((v - m.start) / m.hpages)) return true
  return false
}

/** hugetlbUnreserve - unmapping [vpn, vpn + nr) of a private mapping gives back its unused reservations. */
export function hugetlbUnreserve(ctx: SimContext, pid: number, m: MapRec, vpn: number, nr: number): void {
  if (m.shared) return
  const r = resv(ctx)
  const set = r.priv.get(`${pid}:${m.name}`)
  if (set === undefined) return
  const order = ORDER(m.hpages)
  for (let v = vpn; v < vpn + nr; v += m.hpages) {
    if (set.delete((v - m.start) / m.hpages)) r.count.set(order, r.count.get(order)! - 1)
  }
}

function allocHuge(ctx: SimContext, order: number, reserved: boolean): number {
  const free = ctx.pool.get(order) ?? []
  if (!reserved && available(ctx, order) < 1) return -1
  const pfn = free.shift()
  if (pfn === undefined) return -1
  if (reserved) resv(ctx).count.set(order, resv(ctx).count.get(order)! - 1)
  return pfn
}

function freeHuge(ctx: SimContext, pfn: number): void {
  const f = ctx.folio(pfn)
  ctx.hugetlbAnon.delete(pfn)
  ctx.forgetData(pfn, 2 ** f.order)
  ctx.pool.get(f.order)!.push(pfn)
}

/** putIfUnused - a HugeTLB folio nothing maps and no page cache holds goes back to the free pool. */
function putIfUnused(ctx: SimContext, pfn: number): void {
  const f = ctx.folio(pfn)
  if (f.entire > 0 || f.ptes > 0) return // ptes: HGM entries (set hgm=on only)
  if (!ctx.hugetlbAnon.has(pfn) && [...ctx.files.values()].some((pc) => pc.kind === 'hugetlb' && [...pc.cache.values()].includes(pfn))) return
  freeHuge(ctx, pfn)
}

/**
 * hugetlbZap - clear @pid's HugeTLB entries in [vpn, vpn + nr); pages nothing holds go back to the pool.
 * @see __unmap_hugepage_range(), hugetlb_remove_rmap() — mm/hugetlb.c, include/linux/rmap.h
 */
export function hugetlbZap(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  const v = ctx.vma(pid, vpn)
  const hp = v !== undefined && v.kind === 'hugetlb' ? hpagesOf(ctx, pid, vpn) : HPAGE_PMD_NR
  for (let a = vpn - (vpn % hp); a < vpn + nr; a += hp) {
    if (hp === HPAGE_PMD_NR && pmdUnshare(ctx, pid, a)) continue
    const hgm = ctx.knobs.hgm ? hgmZapHuge(ctx, pid, a, hp) : NOT_HGM // high-granularity entries (hgmZap.ts)
    if (hgm !== NOT_HGM) {
      if (hgm >= 0) putIfUnused(ctx, hgm)
      continue
    }
    const pfn = ctx.entry(pid, a)
    if (pfn < 0) continue
    ctx.emit('hugetlb/rmapRemoved', { pid, vpn: a, folio: pfn, level: LEVEL(hp) })
    putIfUnused(ctx, pfn)
  }
}

function hpagesOf(ctx: SimContext, pid: number, vpn: number): number {
  for (const t of ctx.procs.values()) {
    for (const m of t.values()) if (m.hpages > 1 && m.start <= vpn && vpn < m.start + m.nrPages) return m.hpages
  }
  const pt = ctx.tables(pid)
  return pt !== undefined && pt.puds.size > 0 ? HPAGE_PUD_NR : HPAGE_PMD_NR
}

function fileIdx(vma: Vma, m: MapRec, base: number): number {
  return (vma.pgoff + (base - vma.start)) / m.hpages
}

/**
 * hugetlbTouch - a read or write of the page at @vpn of HugeTLB mapping @m.
 * - None entry, shared: the page-cache page (allocated from the pool on a miss; SIGBUS if none) is
 *   mapped. Private: a cached page is mapped read-only for a read; otherwise a new anon huge page is
 *   allocated (a read too) and mapped exclusively.
 * - Write to a present page of a private mapping that is not anon-exclusive: reused if mapped once,
 *   else the whole huge page is copied (SIGBUS when the pool is empty).
 * @see hugetlb_fault(), hugetlb_no_page(), hugetlb_wp() — mm/hugetlb.c
 */
export function hugetlbTouch(ctx: SimContext, pid: number, vpn: number, write: boolean, m: MapRec, vma: Vma): void {
  if (vma.hgm === true && hgmFault(ctx, pid, vpn, m, vma)) return // below HGM tables (hgmFault.ts)
  const hp = m.hpages
  const base = vpn - (vpn % hp)
  const order = ORDER(hp)
  const level = LEVEL(hp)
  const cur = ctx.entry(pid, base)
  if (cur >= 0) {
    if (!write || m.shared) return
    const f = ctx.folio(cur)
    const anon = ctx.hugetlbAnon.has(cur)
    if (anon && f.exclusive?.[0] === 1) return
    if (anon && f.entire === 1) {
      ctx.emit('hugetlb/rmapRemoved', { pid, vpn: base, folio: cur, level })
      ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: cur, level, mode: 'anon', exclusive: true })
      return
    }
    const pfn = allocHuge(ctx, order, false)
    if (pfn < 0) {
      if (!resv(ctx).priv.has(`${pid}:${m.name}`) || !anon) throw new Refusal('SIGBUS')
      // the reservation owner steals the page: unmap_ref_private() takes it from the other mms, whose
      // later faults in that VMA get SIGBUS (HPAGE_RESV_UNMAPPED); then the page is reused
      stealFromOthers(ctx, pid, m, cur)
      ctx.emit('hugetlb/rmapRemoved', { pid, vpn: base, folio: cur, level })
      ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: cur, level, mode: 'anon', exclusive: true })
      return
    }
    ctx.emit('hugetlb/rmapRemoved', { pid, vpn: base, folio: cur, level })
    ctx.hugetlbAnon.add(pfn)
    ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: pfn, level, mode: 'newAnon', exclusive: true })
    putIfUnused(ctx, cur)
    return
  }
  const idx = fileIdx(vma, m, base)
  const pc = ctx.files.get(m.file)!
  const r = resv(ctx)
  if (m.shared) {
    const others = level === 'pmd' ? pmdTableFor(ctx, pid, base, m, vma) : []
    if (ctx.entry(pid, base) >= 0) return // the shared PMD table already maps it
    let pfn = pc.cache.get(idx) ?? -1
    if (pfn < 0) {
      const set = r.shared.get(m.file)
      const reserved = set?.delete(idx) ?? false
      pfn = allocHuge(ctx, order, reserved)
      if (pfn < 0) throw new Refusal('SIGBUS')
      pc.cache.set(idx, pfn)
    }
    ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: pfn, level, mode: 'file', exclusive: false })
    for (const [p, off] of others) {
      if (ctx.entry(p, base + off) < 0) ctx.emit('hugetlb/rmapAdded', { pid: p, vpn: base + off, folio: pfn, level, mode: 'file', exclusive: false })
    }
    return
  }
  ctx.prepareAnonVma(pid, vpn)
  if (resv(ctx).unmapped.has(`${pid}:${m.name}`)) throw new Refusal('SIGBUS')
  const cachedPfn = pc.cache.get(idx)
  if (!write && cachedPfn !== undefined) {
    ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: cachedPfn, level, mode: 'file', exclusive: false })
    return
  }
  const reserved = r.priv.get(`${pid}:${m.name}`)?.delete((base - m.start) / hp) ?? false
  const pfn = allocHuge(ctx, order, reserved)
  if (pfn < 0) throw new Refusal('SIGBUS')
  ctx.hugetlbAnon.add(pfn)
  ctx.emit('hugetlb/rmapAdded', { pid, vpn: base, folio: pfn, level, mode: 'newAnon', exclusive: true })
}

/** stealFromOthers - unmap_ref_private(): unmap HugeTLB page @cur from every other mm's private mapping of @m's file. */
function stealFromOthers(ctx: SimContext, pid: number, m: MapRec, cur: number): void {
  for (const [proc, t] of ctx.procs) {
    const other = Number(proc.slice(1))
    if (other === pid) continue
    for (const mm of t.values()) {
      if (mm.file !== m.file || mm.shared) continue
      for (let v = mm.start; v < mm.start + mm.nrPages; v += mm.hpages) {
        if (ctx.entry(other, v) !== cur) continue
        ctx.emit('hugetlb/rmapRemoved', { pid: other, vpn: v, folio: cur, level: LEVEL(mm.hpages) })
        resv(ctx).unmapped.add(`${other}:${mm.name}`)
      }
    }
  }
}

/**
 * hugetlbAliasPopulate - the runner's temporary MAP_SHARED alias of HugeTLB file pages [first, first + n)
 * (huge-page indices): its mmap reserves the pages neither cached nor reserved (ENOMEM when the pool
 * cannot), then a read of each page allocates it into the page cache.
 * @see hugetlb_reserve_pages(), hugetlb_no_page() — mm/hugetlb.c
 */
export function hugetlbAliasPopulate(ctx: SimContext, file: number, first: number, n: number, hp: number): void {
  const order = ORDER(hp)
  const r = resv(ctx)
  const pc = ctx.files.get(file)!
  const set = r.shared.get(file) ?? new Set<number>()
  r.shared.set(file, set)
  const want: number[] = []
  for (let i = first; i < first + n; i++) if (!set.has(i) && !pc.cache.has(i)) want.push(i)
  if (available(ctx, order) < want.length) throw new Refusal('ENOMEM')
  for (const i of want) set.add(i)
  r.count.set(order, (r.count.get(order) ?? 0) + want.length)
  for (let i = first; i < first + n; i++) {
    if (pc.cache.has(i)) continue
    const pfn = allocHuge(ctx, order, set.delete(i))
    if (pfn < 0) throw new Refusal('SIGBUS')
    pc.cache.set(i, pfn)
  }
}

/**
 * hugetlbFork - copy_hugetlb_page_range() for a private HugeTLB VMA [lo, hi): anon pages are shared
 * with the child (hugetlb_try_dup_anon_rmap(): anon-exclusive cleared), page-cache pages get a file rmap.
 * @see copy_hugetlb_page_range() — mm/hugetlb.c
 */
export function hugetlbFork(ctx: SimContext, pid: number, cpid: number, m: MapRec, lo: number, hi: number): void {
  const level = LEVEL(m.hpages)
  for (let a = lo; a < hi; a += m.hpages) {
    const pfn = ctx.entry(pid, a)
    if (pfn < 0) continue
    if (ctx.hugetlbAnon.has(pfn)) ctx.emit('hugetlb/anonDuplicated', { pid, child: cpid, vpn: a, folio: pfn, level })
    else ctx.emit('hugetlb/rmapAdded', { pid: cpid, vpn: a, folio: pfn, level, mode: 'file', exclusive: false })
  }
}

/**
 * hugetlbPunch - fallocate(PUNCH_HOLE) on a hugetlbfs file, file pages [lo, hi) (bytes rounded inward
 * to whole huge pages): every mapping of the range in every process is zapped — private COW copies
 * included — and the page-cache pages are freed to the pool.
 * @see hugetlbfs_punch_hole(), hugetlb_vmdelete_list(), remove_inode_hugepages() — fs/hugetlbfs/inode.c
 */
export function hugetlbPunch(ctx: SimContext, file: number, lo: number, hi: number, hp: number): void {
  const first = Math.ceil(lo / hp)
  const last = Math.floor(hi / hp)
  if (first >= last) return
  for (const [proc, t] of ctx.procs) {
    const pid = Number(proc.slice(1))
    for (const m of t.values()) {
      if (m.file !== file) continue
      for (let i = first; i < last; i++) {
        const v = m.start + (i * hp - m.pgoff)
        if (v < m.start || v >= m.start + m.nrPages) continue
        const vma = ctx.vma(pid, v)
        if (vma === undefined || vma.kind !== 'hugetlb') continue
        hugetlbZap(ctx, pid, v, hp)
      }
    }
  }
  const pc = ctx.files.get(file)!
  for (let i = first; i < last; i++) {
    const pfn = pc.cache.get(i)
    if (pfn === undefined) continue
    pc.cache.delete(i)
    putIfUnused(ctx, pfn)
  }
}
