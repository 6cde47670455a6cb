import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, HVO_PAGE_SIZE, hvoLayout, STRUCT_PAGE_SIZE, VMEMMAP_PAGES_PER_PTE_TABLE, type HvoKernel, type HvoLayout } from '@mmsim/core'

/** HugeTLB page sizes `mmsim hvo` knows, by their sysfs names, as orders */
export const HVO_SIZES = { '2M': HPAGE_PMD_ORDER, '1G': HPAGE_PUD_ORDER } as const
export type HvoSize = keyof typeof HVO_SIZES

/**
 * HvoWork - the allocator and TLB work of growing the pool by the report's huge pages in one write to
 * nr_hugepages, and of shrinking it back (dissolving them).
 * @see set_max_huge_pages(), prep_and_add_allocated_folios(), hugetlb_vmemmap_optimize_folios(),
 *      update_and_free_pages_bulk(), hugetlb_vmemmap_restore_folios() — mm/hugetlb.c, mm/hugetlb_vmemmap.c
 */
interface HvoWork {
  optimize: { pagesFreedToBuddy: number; pagesAllocated: number; pteTablesAllocated: number; tlbFlushes: number; tlbFlushKind: string }
  restore: { pagesAllocated: number; pagesFreedToBuddy: number; tlbFlushes: number; tlbFlushKind: string }
}

/** HvoReport - the HVO accounting of one pool (`mmsim hvo`, format mmsim-hvo/1). */
export interface HvoReport {
  kernel: HvoKernel
  size: HvoSize
  hugePageBytes: number
  pool: { hugePages: number; bytes: number }
  structPagesPerHugePage: number
  vmemmapPagesPerHugePage: number
  keptPerHugePage: number
  freedPerHugePage: number
  /** vmemmap PTE tables per huge page: best (the pool contiguous: tables shared) and worst (one of its own) */
  pageTablePagesPerHugePage: { best: number; worst: number }
  /** freedPerHugePage − the best-case page tables */
  savedPagesPerHugePage: number
  freedPages: number
  freedBytes: number
  pageTablePages: { best: number; worst: number }
  savedPages: number
  savedBytes: number
  savedBytesWorst: number
  work: HvoWork
  /** the figures, one derivation per line, as the text report prints them */
  derivation: string[]
  /** what the seed post says of this size and kernel (v7 only), and how it compares */
  seed: { claim: string; note: string }[]
}

const GIB = 2 ** 30
const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }

/**
 * parseHvoPool - `--pool N` (a count of huge pages) or `--pool SIZE` (`1024G`, `512M`, `1T`; binary units)
 * as a count of @size pages. @returns the count, or an error message naming the value.
 */
export function parseHvoPool(text: string, size: HvoSize): number | string {
  const m = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text.trim())
  if (!m) return `--pool ${text}: want a count of huge pages (1024) or a size (1024G, 512M, 1T)`
  const n = Number(m[1])
  const unit = m[2]!.toUpperCase()
  if (!Number.isSafeInteger(n)) return `--pool ${text}: too large`
  if (unit === '' && !m[3]) {
    if (n < 1 || n > 2 ** 32) return `--pool ${text}: want 1 to ${2 ** 32} huge pages`
    return n
  }
  const bytes = n * UNITS[unit]!
  const hp = 2 ** HVO_SIZES[size] * HVO_PAGE_SIZE
  if (bytes < hp || bytes % hp !== 0) return `--pool ${text}: not a whole number of ${size} pages`
  if (bytes / hp > 2 ** 32) return `--pool ${text}: more than ${2 ** 32} huge pages`
  return bytes / hp
}

/** bytesText - @b as GiB/MiB/KiB with up to two decimals. */
export function bytesText(b: number): string {
  for (const [u, s] of [[GIB, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']] as const) {
    if (b >= u) return `${+(b / u).toFixed(2)} ${s}`
  }
  return `${b} B`
}

const pagesText = (p: number): string => (Number.isInteger(p) ? String(p) : `1/${Math.round(1 / p)}`)

/**
 * hvoReport - the HVO accounting of a pool of @hugePages HugeTLB pages of @size on @kernel: vmemmap pages
 * per huge page, kept, freed, page tables, bytes saved and the allocation/free/TLB work, with the derivation
 * of each figure. Page-table pages: on 6.18 the vmemmap is PMD-mapped at boot (x86 vmemmap_populate_hugepages)
 * and HVO splits it (vmemmap_split_pmd, one PTE table per 2 MiB of vmemmap, never merged back); in v7 the
 * vmemmap is PTE-mapped from boot when the feature is on, the same tables as a standing cost. Best case: the
 * pool is contiguous and the tables are shared by the huge pages whose vmemmap they map; worst case: each
 * huge page's vmemmap is in a 2 MiB vmemmap block of its own (ALIGN(vmemmap size, PMD_SIZE) / PMD_SIZE
 * tables per huge page, the seed's accounting).
 */
export function hvoReport(kernel: HvoKernel, size: HvoSize, hugePages: number): HvoReport {
  const l: HvoLayout = hvoLayout(kernel, HVO_SIZES[size])
  const n = hugePages
  const vm = l.vmemmapPagesPerHugePage
  const ptBest = vm / VMEMMAP_PAGES_PER_PTE_TABLE
  const ptWorst = Math.ceil(vm / VMEMMAP_PAGES_PER_PTE_TABLE)
  const poolPtBest = Math.ceil((n * vm) / VMEMMAP_PAGES_PER_PTE_TABLE)
  const poolPtWorst = n * ptWorst
  const freedPages = n * l.freedPerHugePage
  const savedPages = freedPages - poolPtBest
  const poolBytes = n * l.hugePageBytes
  const d: string[] = [
    `${size} HugeTLB page = ${l.hugePageBytes} / ${HVO_PAGE_SIZE} = ${l.structPagesPerHugePage} base pages, one struct page (${STRUCT_PAGE_SIZE} B) each`,
    `vmemmap per huge page = ${l.structPagesPerHugePage} × ${STRUCT_PAGE_SIZE} B / ${HVO_PAGE_SIZE} = ${vm} pages (hugetlb_vmemmap_size)`,
    kernel === '6.18'
      ? `kept = HUGETLB_VMEMMAP_RESERVE_SIZE / PAGE_SIZE = ${l.keptPerHugePage} page (${l.writableStructPages} writable struct pages); the other ${vm - 1} map read-only onto it`
      : `kept = RESERVE_VMEMMAP_NR = ${l.keptPerHugePage} pages (head + first tail page, ${l.writableStructPages} struct pages); the other ${vm - 2} map read-only onto the second`,
    `freed per huge page = ${vm} − ${l.keptPerHugePage} = ${l.freedPerHugePage}` +
      (kernel === '6.18' ? ` (vmemmap_remap_free: ${l.pagesFreedToBuddy} to buddy after copying the head into 1 fresh page; nr_memmap_pages −${l.freedPerHugePage})` : ''),
    `vmemmap PTE tables per huge page = ${vm} / ${VMEMMAP_PAGES_PER_PTE_TABLE} = ${pagesText(ptBest)} (shared, pool contiguous), worst ALIGN(${vm}, ${VMEMMAP_PAGES_PER_PTE_TABLE}) / ${VMEMMAP_PAGES_PER_PTE_TABLE} = ${ptWorst}` +
      (kernel === '6.18' ? ' — allocated by vmemmap_split_pmd() when the vmemmap was PMD-mapped' : ' — the vmemmap is PTE-mapped from boot when HVO is on'),
    `saved per huge page = ${l.freedPerHugePage} − ${pagesText(ptBest)} = ${+(l.freedPerHugePage - ptBest).toFixed(4)} pages (worst ${l.freedPerHugePage - ptWorst})`,
    `pool = ${n} × ${size} = ${bytesText(poolBytes)}`,
    `freed = ${n} × ${l.freedPerHugePage} = ${freedPages} pages = ${bytesText(freedPages * HVO_PAGE_SIZE)}`,
    `page tables = ⌈${n} × ${vm} / ${VMEMMAP_PAGES_PER_PTE_TABLE}⌉ = ${poolPtBest} pages = ${bytesText(poolPtBest * HVO_PAGE_SIZE)} (worst ${n} × ${ptWorst} = ${poolPtWorst} = ${bytesText(poolPtWorst * HVO_PAGE_SIZE)})`,
    `saved = ${freedPages} − ${poolPtBest} = ${savedPages} pages = ${bytesText(savedPages * HVO_PAGE_SIZE)} (worst ${bytesText((freedPages - poolPtWorst) * HVO_PAGE_SIZE)})`,
  ]
  const work: HvoWork = kernel === '6.18'
    ? {
        optimize: {
          pagesFreedToBuddy: n * l.pagesFreedToBuddy, pagesAllocated: n * l.pagesAllocatedOnOptimize,
          pteTablesAllocated: poolPtBest, tlbFlushes: 2, tlbFlushKind: 'flush_tlb_all after the PMD splits and before freeing (one batch)',
        },
        restore: { pagesAllocated: freedPages, pagesFreedToBuddy: 0, tlbFlushes: 1, tlbFlushKind: 'flush_tlb_all (one batch)' },
      }
    : {
        optimize: {
          pagesFreedToBuddy: freedPages, pagesAllocated: 0, pteTablesAllocated: 0, tlbFlushes: n,
          tlbFlushKind: 'flush_tlb_kernel_range per huge page',
        },
        restore: { pagesAllocated: freedPages, pagesFreedToBuddy: 0, tlbFlushes: n, tlbFlushKind: 'flush_tlb_kernel_range per huge page' },
      }
  d.push(
    `grow (nr_hugepages += ${n}): ${work.optimize.pagesFreedToBuddy} pages freed to buddy, ${work.optimize.pagesAllocated} allocated, ${work.optimize.pteTablesAllocated} PTE tables allocated; TLB flushes: ${work.optimize.tlbFlushes} (${work.optimize.tlbFlushKind})`,
    `shrink (dissolve ${n}): ${work.restore.pagesAllocated} vmemmap pages allocated (alloc_vmemmap_page_list); TLB flushes: ${work.restore.tlbFlushes} (${work.restore.tlbFlushKind}); PTE tables stay`,
  )
  return {
    kernel, size, hugePageBytes: l.hugePageBytes, pool: { hugePages: n, bytes: poolBytes },
    structPagesPerHugePage: l.structPagesPerHugePage, vmemmapPagesPerHugePage: vm, keptPerHugePage: l.keptPerHugePage,
    freedPerHugePage: l.freedPerHugePage, pageTablePagesPerHugePage: { best: ptBest, worst: ptWorst },
    savedPagesPerHugePage: l.freedPerHugePage - ptBest, freedPages, freedBytes: freedPages * HVO_PAGE_SIZE,
    pageTablePages: { best: poolPtBest, worst: poolPtWorst }, savedPages, savedBytes: savedPages * HVO_PAGE_SIZE,
    savedBytesWorst: (freedPages - poolPtWorst) * HVO_PAGE_SIZE, work, derivation: d, seed: seedClaims(kernel, size, n, l, ptWorst),
  }
}

/**
 * seedClaims - the v7 cover letter's figures for @size (seed 002) set against the derivation: 2M "we only
 * free 6 vmemmap pages", 1G "save 4088 pages (4096 pages for struct page structs, we reserve 2 pages for
 * vmemmap and 8 pages for page tables)", a 1024 GB pool "~16GB (1G hugepage) / ~11GB (2MB hugepage, the worst
 * case is 10GB while the best is 12GB)". On 6.18 the seed's Todo 1 ("we really can free 7") is what happened.
 */
function seedClaims(kernel: HvoKernel, size: HvoSize, n: number, l: HvoLayout, ptWorst: number): { claim: string; note: string }[] {
  const out: { claim: string; note: string }[] = []
  const gib = (pages: number): string => `${+((pages * HVO_PAGE_SIZE) / GIB).toFixed(2)} GiB`
  const pool1024 = n * l.hugePageBytes === 1024 * GIB
  if (size === '2M') {
    out.push(kernel === 'v7'
      ? { claim: '2M: 8 vmemmap pages, 6 freed', note: `8 − 2 kept = ${l.freedPerHugePage}` }
      : { claim: '2M Todo: "we really can free 7 vmemmap pages"', note: `6.18 keeps 1: 8 − 1 = ${l.freedPerHugePage}` })
    if (pool1024 && kernel === 'v7') {
      out.push({
        claim: '1024 GB of 2M pages: ~11 GB, worst 10 GB, best 12 GB',
        note: `best ${n} × 6 = ${gib(n * 6)} (page tables shared: −${gib(Math.ceil((n * 8) / 512))}), ` +
          `worst ${n} × (6 − ${ptWorst} page table) = ${gib(n * (6 - ptWorst))}`,
      })
    }
  } else {
    out.push(kernel === 'v7'
      ? { claim: '1G: "save 4088 pages (4096 … reserve 2 … and 8 pages for page tables)"', note: `4096 − 2 − 8 = ${l.freedPerHugePage - 8}; the seed's 4088 is 4096 − 8 (the 2 kept pages left out)` }
      : { claim: '1G on 6.18', note: `4096 − 1 = ${l.freedPerHugePage} freed (what nr_memmap_pages shows), ${l.freedPerHugePage - 8} net of the 8 PTE tables of the split` })
    if (pool1024 && kernel === 'v7') {
      out.push({ claim: '1024 GB of 1G pages: ~16 GB', note: `${n} × ${l.freedPerHugePage - 8} = ${gib(n * (l.freedPerHugePage - 8))} (with the seed's 4088: ${gib(n * 4088)})` })
    }
  }
  return out
}
