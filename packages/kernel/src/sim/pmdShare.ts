import { HPAGE_PMD_NR, HPAGE_PUD_NR, type Vma } from '@mmsim/core'
import type { MapRec, SimContext } from './simContext.ts'


/**
 * PmdShareState - HugeTLB PMD page-table sharing: which (mm, 1 GiB region) use which PMD table. A
 * table shared by several mms makes every 2 MiB entry in it visible in all of them with one rmap.
 *
 * Core has no event for a page table shared between mms, so the model installs the entries in every
 * sharer (`hugetlb/rmapAdded`, the ground truth of what each mm maps) and the observation counts a
 * folio's mappings per distinct table, as the kernel's mapcount does.
 */
export class PmdShareState {
  private nextTable = 1
  /** `pid:pudIndex` -> table id, for every region of a sharable VMA that has a PMD table */
  readonly tableOf = new Map<string, number>()
  /** table id -> member keys `pid:pudIndex` */
  readonly members = new Map<number, Set<string>>()

  /** sharedTable - is the table of @pid's region around @vpn shared with another mm? */
  isShared(pid: number, vpn: number): boolean {
    const t = this.tableOf.get(key(pid, vpn))
    return t !== undefined && (this.members.get(t)?.size ?? 0) > 1
  }

  /** tableId - a label of the page table mapping @vpn of @pid (own tables get a per-region label). */
  tableId(pid: number, vpn: number): string {
    const t = this.tableOf.get(key(pid, vpn))
    return t === undefined ? `own:${key(pid, vpn)}` : `t${t}`
  }

  add(k: string, table: number): void {
    this.tableOf.set(k, table)
    let s = this.members.get(table)
    if (s === undefined) this.members.set(table, (s = new Set()))
    s.add(k)
  }

  drop(k: string): void {
    const t = this.tableOf.get(k)
    if (t === undefined) return
    this.tableOf.delete(k)
    this.members.get(t)?.delete(k)
  }

  newTable(): number {
    return this.nextTable++
  }
}

function key(pid: number, vpn: number): string {
  return `${pid}:${Math.floor(vpn / HPAGE_PUD_NR)}`
}

/** wantPmdShare - VM_MAYSHARE 2 MiB HugeTLB VMA covering the whole 1 GiB region around @vpn. @see want_pmd_share() */
function wantPmdShare(vma: Vma, m: MapRec, vpn: number): boolean {
  const base = vpn - (vpn % HPAGE_PUD_NR)
  return m.shared && m.hpages === HPAGE_PMD_NR && vma.start <= base && base + HPAGE_PUD_NR <= vma.end
}

/**
 * pmdTableFor - huge_pte_alloc() for a fault at @vpn of @pid in shared HugeTLB mapping @m: with a
 * sharable VMA, reuse (huge_pmd_share()) the PMD table another mm's VMA of the same file has for the same
 * file range, same PMD index, same flags, covering the whole 1 GiB — the entries already in it become
 * visible here (installed as ground truth) — or allocate this mm's own table.
 * @returns the other mms whose tables share this one: [pid, vpn offset of their region - ours]
 * @see huge_pte_alloc(), want_pmd_share(), huge_pmd_share(), page_table_shareable() — mm/hugetlb.c
 */
export function pmdTableFor(ctx: SimContext, pid: number, vpn: number, m: MapRec, vma: Vma): [number, number][] {
  const st = ctx.pmdShare
  const k = key(pid, vpn)
  const base = vpn - (vpn % HPAGE_PUD_NR)
  if (!wantPmdShare(vma, m, vpn)) return []
  if (!st.tableOf.has(k)) {
    const idx = vma.pgoff + (base - vma.start)
    let joined = -1
    for (const [proc, t] of ctx.procs) {
      const other = Number(proc.slice(1))
      for (const sm of t.values()) {
        if (sm.file !== m.file || !sm.shared || sm.hpages !== HPAGE_PMD_NR || (other === pid && sm === m)) continue
        const saddr = sm.start + (idx - sm.pgoff)
        if (saddr % HPAGE_PUD_NR !== 0) continue
        const svma = ctx.vma(other, saddr)
        if (svma === undefined || svma.writable !== vma.writable || svma.start > saddr || saddr + HPAGE_PUD_NR > svma.end) continue
        const table = st.tableOf.get(key(other, saddr))
        if (table === undefined) continue
        joined = table
        // the entries of the shared table appear in this mm
        for (let v = 0; v < HPAGE_PUD_NR; v += HPAGE_PMD_NR) {
          const pfn = ctx.entry(other, saddr + v)
          if (pfn >= 0 && ctx.entry(pid, base + v) < 0) ctx.emit('hugetlb/rmapAdded', { pid, vpn: base + v, folio: pfn, level: 'pmd', mode: 'file', exclusive: false })
        }
        break
      }
      if (joined >= 0) break
    }
    st.add(k, joined >= 0 ? joined : st.newTable())
  }
  return sharers(ctx, pid, vpn)
}

function sharers(ctx: SimContext, pid: number, vpn: number): [number, number][] {
  const st = ctx.pmdShare
  const t = st.tableOf.get(key(pid, vpn))
  if (t === undefined) return []
  const out: [number, number][] = []
  const [, mine] = key(pid, vpn).split(':').map(Number) as [number, number]
  for (const mk of st.members.get(t) ?? []) {
    const [p, pud] = mk.split(':').map(Number) as [number, number]
    if (p === pid && pud === mine) continue
    out.push([p, (pud - mine) * HPAGE_PUD_NR])
  }
  return out
}

/**
 * pmdUnshare - huge_pmd_unshare() before @pid zaps HugeTLB entries around @vpn: if its table is shared,
 * this mm just drops the table (every entry of the 1 GiB region disappears here, no rmap change in the
 * kernel: the ground-truth entries of this mm are removed) and @returns true; else false.
 * @see huge_pmd_unshare(), __unmap_hugepage_range() — mm/hugetlb.c
 */
export function pmdUnshare(ctx: SimContext, pid: number, vpn: number): boolean {
  const st = ctx.pmdShare
  const k = key(pid, vpn)
  if (!st.isShared(pid, vpn)) {
    return false
  }
  const base = vpn - (vpn % HPAGE_PUD_NR)
  for (let v = base; v < base + HPAGE_PUD_NR; v += HPAGE_PMD_NR) {
    const pfn = ctx.entry(pid, v)
    if (pfn >= 0) ctx.emit('hugetlb/rmapRemoved', { pid, vpn: v, folio: pfn, level: 'pmd' })
  }
  st.drop(k)
  return true
}

/** pmdTablesFreed - @pid's PMD tables in [vpn, vpn + nr) are freed (munmap of whole regions, exit). */
export function pmdTablesFreed(ctx: SimContext, pid: number, vpn: number, nr: number): void {
  for (let b = vpn - (vpn % HPAGE_PUD_NR); b < vpn + nr; b += HPAGE_PUD_NR) {
    if (b >= vpn && b + HPAGE_PUD_NR <= vpn + nr) ctx.pmdShare.drop(key(pid, b))
  }
}
