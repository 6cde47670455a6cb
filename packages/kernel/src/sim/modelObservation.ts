import type { CheckObservation, PageObservation } from '../live/observation.ts'
import type { ScenarioScope } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import { mappingVpn } from './placement.ts'
import { pidOf, type SimContext } from './simContext.ts'

/**
 * modelCheck - what a `check` on @line would read on Linux 6.18 with CONFIG_PAGE_MAPCOUNT=y, computed
 * from the ground truth: for every live process, mapping and 4K page, pagemap's present and exclusive
 * bits, /proc/kpagecount and the kpageflags kind bits, with canonical folio labels.
 *
 * - kpagecount: the page's PTEs plus its folio's PMD/PUD entries; HugeTLB: the folio's entries on every
 *   page; the zero pages: 0 (never rmapped).
 * - exclusive (pagemap bit 56): a PTE-mapped page whose precise mapcount is 1; for a PMD leaf the test is
 *   made on the head page for all 512 entries; HugeTLB: the folio is mapped once (not "maybe mapped
 *   shared") and its PMD is not shared; zero pages: never (vm_normal_page() is NULL).
 * - anon: the folio is anonymous (private HugeTLB pages too); thp: any large non-HugeTLB folio and the
 *   huge zero folio; zero: the zero pages, labelled null.
 * @see pagemap_pmd_range(), pte_to_pagemap_entry(), pagemap_hugetlb_range(), __folio_page_mapped_exclusively()
 *      — fs/proc/task_mmu.c; stable_page_flags(), kpagecount_read() — fs/proc/page.c
 */
export function modelCheck(ctx: SimContext, scope: ScenarioScope, line: number): CheckObservation {
  const labels = new Map<number, number>()
  const procs: CheckObservation['procs'] = {}
  for (const proc of scope.liveProcs()) {
    const pid = pidOf(proc)
    const table = scope.mappings(proc)
    const names = [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const out: Record<string, PageObservation[]> = {}
    for (const name of names) {
      const info = table.get(name)!
      const start = mappingVpn(info)
      const pages: PageObservation[] = []
      for (let i = 0; i < info.size / PAGE_SIZE; i++) pages.push(page(ctx, pid, start + i, i * PAGE_SIZE, labels))
      out[name] = pages
    }
    procs[proc] = out
  }
  return { line, procs }
}

function page(ctx: SimContext, pid: number, vpn: number, off: number, labels: Map<number, number>): PageObservation {
  const pfn = ctx.entry(pid, vpn)
  if (pfn < 0) return { off, present: false }
  const f = ctx.folioAt(pfn)!
  const base = { off, present: true as const }
  if (f.kind === 'zero' || f.kind === 'hugezero') {
    const huge = f.kind === 'hugezero'
    return { ...base, folio: null, order: huge ? 9 : 0, mapcount: 0, exclusive: false, anon: false, thp: huge, hugetlb: false, zero: true }
  }
  let label = labels.get(f.pfn)
  if (label === undefined) labels.set(f.pfn, (label = labels.size))
  if (f.kind === 'hugetlb') {
    const mapcount = f.entire
    return {
      ...base, folio: label, order: f.order, mapcount, exclusive: mapcount <= 1,
      anon: ctx.hugetlbAnon.has(f.pfn), thp: false, hugetlb: true, zero: false,
    }
  }
  const leaf = ctx.pmdLeaf(pid, vpn) >= 0
  const mapcount = ctx.pageMapcount(pfn)
  const exclusive = (leaf ? ctx.pageMapcount(f.pfn) : mapcount) === 1
  return { ...base, folio: label, order: f.order, mapcount, exclusive, anon: f.kind === 'anon', thp: f.order > 0, hugetlb: false, zero: false }
}
