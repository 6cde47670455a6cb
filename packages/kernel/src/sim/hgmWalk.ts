import type { SimContext } from './simContext.ts'
import { HPAGE_PMD_NR, HPAGE_PUD_NR } from '@mmsim/core'

/**
 * The HGM v2 page-table walk (`struct hugetlb_pte`, hugetlb_full_walk_alloc(), hugetlb_walk_step()) over
 * the page tables of an HGM-enabled shared HugeTLB VMA, model-only (`set hgm=on`).
 *
 * Below the hstate-level entry (a PMD of a 2 MiB VMA, a PUD of a 1 GiB VMA) the walk may allocate page
 * tables: a PTE table under a PMD, a PMD table under a PUD. The ground truth holds the entries; the tables
 * are kept here, because they outlive their entries (a zap clears PTEs and keeps the table, as
 * zap_pte_range() does) and only MADV_COLLAPSE (hugetlb_free_pgd_range()), munmap and exit
 * (free_pgtables()) free them. Each allocation is a `hugetlb/hgmTableAllocated` event at the first vpn of
 * the span the new table maps.
 *
 * In a 1 GiB VMA the leaves below the PUD may be HGM PMDs (2 MiB pieces, hgmWalkAllocPmd()) or 4K PTEs.
 */

/** HgmTables - the HGM page tables of every process: PTE tables by `pid:pmdIndex`, PMD tables by `pid:pudIndex`. */
export class HgmTables {
  readonly pte = new Set<string>()
  readonly pmd = new Set<string>()

  hasPte(pid: number, vpn: number): boolean {
    return this.pte.size > 0 && this.pte.has(`${pid}:${Math.floor(vpn / HPAGE_PMD_NR)}`)
  }

  hasPmd(pid: number, vpn: number): boolean {
    return this.pmd.size > 0 && this.pmd.has(`${pid}:${Math.floor(vpn / HPAGE_PUD_NR)}`)
  }

  /** hasTables - does the hstate-level entry of @pid covering @base (huge page of @hp vpns) point to HGM tables? */
  hasTables(pid: number, base: number, hp: number): boolean {
    return hp === HPAGE_PMD_NR ? this.hasPte(pid, base) : this.hasPmd(pid, base)
  }

  /** pteTablesUnder - the first vpns of the PTE tables of @pid in [base, base + n). */
  pteTablesUnder(pid: number, base: number, n: number): number[] {
    const out: number[] = []
    if (n === HPAGE_PMD_NR) {
      if (this.hasPte(pid, base)) out.push(base)
      return out
    }
    const prefix = `${pid}:`
    for (const key of this.pte) {
      if (!key.startsWith(prefix)) continue
      const v = Number(key.slice(prefix.length)) * HPAGE_PMD_NR
      if (v >= base && v < base + n) out.push(v)
    }
    return out.sort((a, b) => a - b)
  }

  /** free - free_pgtables()/hugetlb_free_pgd_range(): drop @pid's HGM tables whose span lies in [vpn, vpn + nr). */
  free(pid: number, vpn: number, nr: number): void {
    for (const v of this.pteTablesUnder(pid, vpn - (vpn % HPAGE_PMD_NR), nr + (vpn % HPAGE_PMD_NR))) {
      if (v >= vpn && v + HPAGE_PMD_NR <= vpn + nr) this.pte.delete(`${pid}:${v / HPAGE_PMD_NR}`)
    }
    for (let b = Math.ceil(vpn / HPAGE_PUD_NR) * HPAGE_PUD_NR; b + HPAGE_PUD_NR <= vpn + nr; b += HPAGE_PUD_NR) this.pmd.delete(`${pid}:${b / HPAGE_PUD_NR}`)
  }

  /** exit - every table of @pid goes with its mm. */
  exit(pid: number): void {
    const prefix = `${pid}:`
    for (const key of [...this.pte]) if (key.startsWith(prefix)) this.pte.delete(key)
    for (const key of [...this.pmd]) if (key.startsWith(prefix)) this.pmd.delete(key)
  }
}

const tablesOf = new WeakMap<SimContext, HgmTables>()

/** hgmTables - the HGM page tables of run @ctx. */
export function hgmTables(ctx: SimContext): HgmTables {
  let t = tablesOf.get(ctx)
  if (t === undefined) tablesOf.set(ctx, (t = new HgmTables()))
  return t
}

/**
 * hgmWalkAlloc4K - hugetlb_full_walk_alloc(hpte, vma, @vpn, PAGE_SIZE) in @pid's HGM VMA of huge pages of
 * @hp vpns, whose hstate-level entry is not a present leaf: allocate the PMD table (1 GiB VMA) and the PTE
 * table the walk needs, each a `hugetlb/hgmTableAllocated` event. Afterwards the PTE of @vpn exists.
 */
export function hgmWalkAlloc4K(ctx: SimContext, pid: number, vpn: number, hp: number): void {
  const t = hgmTables(ctx)
  if (hp === HPAGE_PUD_NR) hgmWalkAllocPmd(ctx, pid, vpn)
  if (!t.hasPte(pid, vpn)) {
    const k = Math.floor(vpn / HPAGE_PMD_NR)
    ctx.emit('hugetlb/hgmTableAllocated', { pid, vpn: k * HPAGE_PMD_NR, level: 'pte' })
    t.pte.add(`${pid}:${k}`)
  }
}

/**
 * hgmWalkAllocPmd - hugetlb_full_walk_alloc(hpte, vma, @vpn, PMD_SIZE) in @pid's 1 GiB HGM VMA whose PUD is
 * not a present leaf: allocate the PMD table under the PUD (`hugetlb/hgmTableAllocated`, level pmd) unless
 * it exists. Afterwards the PMD of @vpn exists.
 */
export function hgmWalkAllocPmd(ctx: SimContext, pid: number, vpn: number): void {
  const t = hgmTables(ctx)
  if (t.hasPmd(pid, vpn)) return
  const b = vpn - (vpn % HPAGE_PUD_NR)
  ctx.emit('hugetlb/hgmTableAllocated', { pid, vpn: b, level: 'pmd' })
  t.pmd.add(`${pid}:${b / HPAGE_PUD_NR}`)
}
