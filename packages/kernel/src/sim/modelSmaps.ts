import { emptySmaps, type SmapsCounts } from '../live/observation.ts'
import type { ScenarioScope } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import { isCleanAnon, isCleanUnsure } from './lazyFree.ts'
import { mappingVpn } from './placement.ts'
import { notModelled, pidOf, type SimContext } from './simContext.ts'
import { HPAGE_PMD_NR } from '@mmsim/core'

/** PSS_SHIFT - fixed-point shift of the kernel's PSS sums (fs/proc/task_mmu.c) */
const PSS_SHIFT = 12
const FULL_PSS = PAGE_SIZE * 2 ** PSS_SHIFT

/**
 * modelSmaps - [extension] what `check smaps` would read in /proc/PID/smaps for every live process and
 * mapping: per VMA of the mapping's extent, every present page through smaps_account(), the VMA's figures
 * printed in kB (`Pss` truncated per VMA, as __show_smap() prints each VMA), summed per mapping.
 *
 * - Not counted: the zero pages (vm_normal_page() is NULL), HugeTLB (its own Shared/Private_Hugetlb lines).
 * - PSS: PAGE_SIZE / mapcount for mapcount ≥ 2 (integer division in the PSS_SHIFT fixed point), where the
 *   mapcount is the page's precise mapcount (CONFIG_PAGE_MAPCOUNT) — or, under a scheme riding along, the
 *   scheme's kpagecount, which for CONFIG_NO_PAGE_MAPCOUNT is folio_average_page_mapcount(), the value
 *   smaps_account() uses there too.
 * - Private vs Shared: CONFIG_PAGE_MAPCOUNT mapcount < 2; CONFIG_NO_PAGE_MAPCOUNT (a scheme without a page
 *   mapcount) !folio_maybe_mapped_shared(), the scheme's pagemap bit 56.
 * - Dirty: pte/pmd dirty or folio_test_dirty(): anon pages are always written (or copied on a write
 *   fault) before they are mapped, except the pages MADV_FREE cleaned and nothing wrote since (lazyFree.ts);
 *   shmem/file folios are dirty once any of their pages was written — but a shmem write through an entry
 *   that was already writable (a shared VMA's read-faulted page) dirties only that entry (cleanPteWrites.ts).
 * - AnonHugePages / ShmemPmdMapped / FilePmdMapped: pages mapped by a PMD leaf (smaps_pmd_entry()).
 * The refcount == 1 shortcut of smaps_account() gives the same figures (a folio with one reference is mapped
 * once). Not modelled: writeback cleaning file pages.
 * @see smaps_account(), smaps_page_accumulate(), smaps_pte_entry(), smaps_pmd_entry(), __show_smap() — fs/proc/task_mmu.c
 */
export function modelSmaps(ctx: SimContext, scope: ScenarioScope): Record<string, Record<string, SmapsCounts>> {
  const out: Record<string, Record<string, SmapsCounts>> = {}
  for (const proc of scope.liveProcs()) {
    const pid = pidOf(proc)
    const table = scope.mappings(proc)
    const names = [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const maps: Record<string, SmapsCounts> = {}
    for (const name of names) {
      const info = table.get(name)!
      const start = mappingVpn(info)
      const end = start + info.size / PAGE_SIZE
      const sum = emptySmaps()
      for (const v of ctx.vmas(pid)) {
        if (v.end <= start || v.start >= end || v.kind === 'hugetlb') continue
        vmaSmaps(ctx, pid, Math.max(v.start, start), Math.min(v.end, end), sum)
      }
      maps[name] = sum
    }
    out[proc] = maps
  }
  return out
}

/** vmaSmaps - add the kB figures of one VMA's pages [@from, @to) of process @pid to @sum. */
function vmaSmaps(ctx: SimContext, pid: number, from: number, to: number, sum: SmapsCounts): void {
  let pss = 0
  const b = { rss: 0, sc: 0, sd: 0, pc: 0, pd: 0, anonPmd: 0, shmemPmd: 0, filePmd: 0 }
  for (let vpn = from; vpn < to; vpn++) {
    const pfn = ctx.entry(pid, vpn)
    if (pfn < 0) continue
    const f = ctx.folioAt(pfn)!
    if (f.kind === 'zero' || f.kind === 'hugezero' || f.kind === 'hugetlb') continue
    const pmd = ctx.pmdLeaf(pid, vpn) >= 0
    let mapcount: number
    let priv: boolean
    if (ctx.observer !== null) {
      const v = ctx.observer.page(pfn, pmd ? 'pmd' : 'pte')
      mapcount = v.mapcount
      priv = v.smapsPrivate ?? mapcount < 2
    } else {
      mapcount = (f.pageMaps?.[pfn - f.pfn] ?? 0) + f.entire
      priv = mapcount < 2
    }
    if (f.kind === 'anon' && isCleanUnsure(ctx, pfn)) notModelled({ cause: ctx.cause }, 'smaps of a page MADV_FREE made lazy-free while it was mapped more than once (clean in one mapping, dirty in another)')
    let dirty = f.kind === 'anon' && !isCleanAnon(ctx, pfn)
    // a page-cache folio is dirty once a page of it was written, except by writes that did not fault
    // (shmem, cleanPteWrites.ts): those dirty only the entry they went through
    const w = ctx.cleanWrites
    for (let i = 0; !dirty && f.kind !== 'anon' && i < 2 ** f.order; i++) dirty = (ctx.data.has(f.pfn + i) && !w.pages.has(f.pfn + i)) || ctx.markedDirty.has(f.pfn + i)
    if (!dirty && f.kind === 'shmem') dirty = w.dirtyEntry(pid, vpn, pmd ? vpn - (vpn % HPAGE_PMD_NR) : -1)
    b.rss += PAGE_SIZE
    pss += mapcount >= 2 ? Math.floor(FULL_PSS / mapcount) : FULL_PSS
    if (dirty) priv ? (b.pd += PAGE_SIZE) : (b.sd += PAGE_SIZE)
    else priv ? (b.pc += PAGE_SIZE) : (b.sc += PAGE_SIZE)
    if (pmd) {
      if (f.kind === 'anon') b.anonPmd += PAGE_SIZE
      else if (f.kind === 'shmem') b.shmemPmd += PAGE_SIZE
      else b.filePmd += PAGE_SIZE
    }
  }
  const kb = (x: number): number => Math.floor(x / 1024)
  sum.Rss += kb(b.rss)
  sum.Pss += kb(Math.floor(pss / 2 ** PSS_SHIFT))
  sum.Shared_Clean += kb(b.sc)
  sum.Shared_Dirty += kb(b.sd)
  sum.Private_Clean += kb(b.pc)
  sum.Private_Dirty += kb(b.pd)
  sum.AnonHugePages += kb(b.anonPmd)
  sum.ShmemPmdMapped += kb(b.shmemPmd)
  sum.FilePmdMapped += kb(b.filePmd)
}
