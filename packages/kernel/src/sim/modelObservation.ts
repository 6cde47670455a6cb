import { type FolioRec, HPAGE_PMD_ORDER, HPAGE_PUD_NR, HPAGE_PUD_ORDER } from '@mmsim/core'
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
  lastFolio = undefined
  const labels = new Map<number, number>()
  const hugeCounts = new Map<number, number>()
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
      for (let i = 0; i < info.size / PAGE_SIZE; i++) pages.push(page(ctx, pid, start + i, i * PAGE_SIZE, labels, hugeCounts))
      out[name] = pages
    }
    procs[proc] = out
  }
  return { line, procs }
}

let lastFolio: FolioRec | undefined

function page(ctx: SimContext, pid: number, vpn: number, off: number, labels: Map<number, number>, hugeCounts: Map<number, number>): PageObservation {
  const pfn = ctx.entry(pid, vpn)
  if (pfn < 0) return { off, present: false }
  // consecutive pages mostly belong to one folio: skip the lookup then
  const f = lastFolio !== undefined && pfn >= lastFolio.pfn && pfn < lastFolio.pfn + 2 ** lastFolio.order ? lastFolio : ctx.folioAt(pfn)!
  lastFolio = f
  if (f.kind === 'zero' || f.kind === 'hugezero') {
    const huge = f.kind === 'hugezero'
    return { off, present: true, folio: null, order: huge ? HPAGE_PMD_ORDER : 0, mapcount: 0, exclusive: false, anon: false, thp: huge, hugetlb: false, zero: true }
  }
  let label = labels.get(f.pfn)
  if (label === undefined) labels.set(f.pfn, (label = labels.size))
  const obs = ctx.observer
  // a scheme riding along answers kpagecount and bit 56; HugeTLB PMD sharing (one entry for all sharers)
  // is not an event the schemes see, so shared tables keep the model's count
  if (obs !== null && !(f.kind === 'hugetlb' && ctx.pmdShare.tableOf.size > 0)) {
    // HugeTLB with HGM PTEs (set hgm=on, f.ptes > 0): this page's entry may be a 4K PTE
    const hgmPte = f.kind === 'hugetlb' && f.ptes > 0 && ctx.pmdLeaf(pid, vpn) < 0 && ctx.tables(pid)?.pudLeaf(vpn) === undefined
    // and in a 1 GiB folio with HGM PMDs, a PMD leaf maps 2 MiB of it
    const hgmPmd = f.kind === 'hugetlb' && f.order === HPAGE_PUD_ORDER && f.hgmPmds > 0 && ctx.pmdLeaf(pid, vpn) >= 0
    const level = hgmPte ? 'pte' : hgmPmd ? 'pmd' : f.kind === 'hugetlb' ? (f.order === HPAGE_PUD_ORDER ? 'pud' : 'pmd') : ctx.pmdLeaf(pid, vpn) >= 0 ? 'pmd' : 'pte'
    const { mapcount, exclusive } = obs.page(pfn, level)
    const hugetlb = f.kind === 'hugetlb'
    return {
      off, present: true, folio: label, order: f.order, mapcount, exclusive,
      anon: hugetlb ? ctx.hugetlbAnon.has(f.pfn) : f.kind === 'anon', thp: !hugetlb && f.order > 0, hugetlb, zero: false,
    }
  }
  if (f.kind === 'hugetlb' && (f.ptes > 0 || f.hgmPmds > 0)) {
    // HGM (set hgm=on, model-only): the entries mapping this page, PUD, HGM PMD or 4K (no PMD sharing in HGM VMAs)
    const mapcount = ctx.pageMapcount(pfn)
    return { off, present: true, folio: label, order: f.order, mapcount, exclusive: mapcount === 1, anon: false, thp: false, hugetlb: true, zero: false }
  }
  if (f.kind === 'hugetlb') {
    let mapcount = hugeCounts.get(f.pfn)
    if (mapcount === undefined) hugeCounts.set(f.pfn, (mapcount = hugetlbTables(ctx, f.pfn)))
    return {
      off, present: true, folio: label, order: f.order, mapcount, exclusive: mapcount <= 1 && !(ctx.pmdShare.tableOf.size > 0 && ctx.pmdShare.isShared(pid, vpn)),
      anon: ctx.hugetlbAnon.has(f.pfn), thp: false, hugetlb: true, zero: false,
    }
  }
  const leaf = ctx.pmdLeaf(pid, vpn) >= 0
  const mapcount = (f.pageMaps?.[pfn - f.pfn] ?? 0) + f.entire
  const exclusive = (leaf ? (f.pageMaps?.[0] ?? 0) + f.entire : mapcount) === 1
  return { off, present: true, folio: label, order: f.order, mapcount, exclusive, anon: f.kind === 'anon', thp: f.order > 0, hugetlb: false, zero: false }
}

/**
 * hugetlbTables - the kernel's mapcount of HugeTLB folio @head: its entries counted once per page
 * table, since an entry in a PMD table shared by several mms is one mapping (huge_pmd_share()).
 */
function hugetlbTables(ctx: SimContext, head: number): number {
  const f = ctx.folio(head)
  const tables = new Set<string>()
  for (let i = 0; i < f.owners.length; i += 2) {
    const pid = f.owners[i]!
    for (const v of ctx.vmas(pid)) {
      if (v.kind !== 'hugetlb') continue
      const step = 2 ** f.order
      for (let a = v.start - (v.start % step); a < v.end; a += step) if (ctx.entry(pid, a) === head) tables.add(ctx.pmdShare.tableId(pid, a) + `@${a % HPAGE_PUD_NR}`)
    }
  }
  return tables.size
}
