import type { SimContext } from './simContext.ts'
import { splitPmd } from './zap.ts'
import { HPAGE_PMD_NR, PTRS_PER_PTE } from '@mmsim/core'

/**
 * splitAnonFolio - split anon folio @head into order-0 folios, as split_folio() does: every PMD
 * mapping of it is split first, the pages are unmapped to migration entries and remapped; a mapped
 * page whose contents are all zero is remapped to the shared zero page instead (in every mm) and freed,
 * and pages nothing maps are freed.
 * @see __folio_split(), unmap_folio(), remap_page(), try_to_map_unused_to_zeropage() — mm/huge_memory.c, mm/migrate.c
 */
export function splitAnonFolio(ctx: SimContext, head: number): void {
  const f0 = ctx.truth.folio(head)
  if (f0 === undefined || f0.order === 0 || f0.kind !== 'anon') return
  for (let i = 0; i < f0.owners.length; i += 2) {
    const pid = f0.owners[i]!
    for (const v of pmdVpns(ctx, pid, head)) splitPmd(ctx, pid, v)
  }
  const nr = 2 ** f0.order
  const f = ctx.folio(head)
  const mappers: [number, number, number][] = [] // pid, vpn, pfn of every PTE mapping a zero-filled page
  for (let i = 0; i < f.owners.length; i += 2) {
    const pid = f.owners[i]!
    forEachPte(ctx, pid, head, nr, (vpn, pfn) => {
      if (!ctx.data.has(pfn)) mappers.push([pid, vpn, pfn])
    })
  }
  ctx.emit('folio/split', { folio: head, newOrder: 0 })
  for (const [pid, vpn, pfn] of mappers) {
    ctx.emit('rmap/removed', { pid, vpn, folio: pfn, page: pfn, nrPages: 1, level: 'pte' })
    ctx.emit('zeropage/mapped', { pid, vpn, folio: ctx.zeroPfn, level: 'pte' })
  }
  for (let p = head; p < head + nr; p++) ctx.freeIfUnused(p)
}

function pmdVpns(ctx: SimContext, pid: number, head: number): number[] {
  const out: number[] = []
  const pt = ctx.tables(pid)
  if (pt === undefined) return out
  for (const v of ctx.vmas(pid)) {
    for (let k = Math.ceil(v.start / HPAGE_PMD_NR); k * HPAGE_PMD_NR < v.end; k++) if (ctx.pmdLeaf(pid, k * HPAGE_PMD_NR) === head) out.push(k * HPAGE_PMD_NR)
  }
  return out
}

/** forEachPte - visit every PTE of @pid mapping a page of [head, head + nr). */
export function forEachPte(ctx: SimContext, pid: number, head: number, nr: number, fn: (vpn: number, pfn: number) => void): void {
  for (const v of ctx.vmas(pid)) {
    for (let k = Math.floor(v.start / HPAGE_PMD_NR); k * HPAGE_PMD_NR < v.end; k++) {
      if (ctx.pmdLeaf(pid, k * HPAGE_PMD_NR) >= 0) continue
      const t = ctx.pteTable(pid, k * HPAGE_PMD_NR)
      if (t === undefined || t[PTRS_PER_PTE] === 0) continue
      for (let j = 0; j < PTRS_PER_PTE; j++) {
        const pfn = t[j]! - 1
        const vpn = k * HPAGE_PMD_NR + j
        if (pfn >= head && pfn < head + nr && vpn >= v.start && vpn < v.end) fn(vpn, pfn)
      }
    }
  }
}
