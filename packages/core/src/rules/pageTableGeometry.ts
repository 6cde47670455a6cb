/**
 * The page-table geometry every layer counts with (x86-64, 4-level or 5-level paging, 4 KiB base pages),
 * under the kernel's names — the one home of these numbers: the ground truth, the simulator, the schemes,
 * analysis, the reports and the test generators import them from here (through `@mmsim/core`).
 */
import type { Level } from '../events/common.ts'

/**
 * PTRS_PER_PTE - entries of one PTE table; a PTE table maps [k * 512, k * 512 + 512) for PMD index k.
 * @see PTRS_PER_PTE — arch/x86/include/asm/pgtable_64_types.h, include/linux/pgtable.h pte_index()
 */
export const PTRS_PER_PTE = 512

/**
 * PTRS_PER_PMD - entries of one PMD table (the PMDs under one PUD entry).
 * @see PTRS_PER_PMD — arch/x86/include/asm/pgtable_64_types.h, include/linux/pgtable.h pmd_index()
 */
export const PTRS_PER_PMD = 512

/**
 * HPAGE_PMD_ORDER - order of a PMD-sized page or folio (PMD_SHIFT - PAGE_SHIFT: 2 MiB of 4 KiB pages).
 * @see HPAGE_PMD_ORDER — include/linux/huge_mm.h
 */
export const HPAGE_PMD_ORDER = 9

/**
 * HPAGE_PMD_NR - base pages one PMD entry maps: 1 << HPAGE_PMD_ORDER (2 MiB).
 * @see HPAGE_PMD_NR — include/linux/huge_mm.h
 */
export const HPAGE_PMD_NR = 512

/**
 * HPAGE_PUD_ORDER - order of a PUD-sized page or folio (PUD_SHIFT - PAGE_SHIFT: 1 GiB of 4 KiB pages).
 * @see HPAGE_PUD_ORDER — include/linux/huge_mm.h
 */
export const HPAGE_PUD_ORDER = 18

/**
 * HPAGE_PUD_NR - base pages one PUD entry maps: 1 << HPAGE_PUD_ORDER (1 GiB) = PTRS_PER_PMD * HPAGE_PMD_NR.
 * @see HPAGE_PUD_NR — include/linux/huge_mm.h
 */
export const HPAGE_PUD_NR = 262144

/**
 * MAX_FOLIO_ORDER - the largest folio order modelled: a 1 GiB HugeTLB folio (= HPAGE_PUD_ORDER). Above the
 * buddy allocator's MAX_PAGE_ORDER (10, include/linux/mmzone.h): such folios come from the boot-time or
 * CMA gigantic pool, never from the page allocator.
 * @see MAX_FOLIO_ORDER — include/linux/mm.h (PUD_ORDER with CONFIG_ARCH_HAS_GIGANTIC_PAGE)
 */
export const MAX_FOLIO_ORDER = 18

/** PAGES_PER_LEVEL - base pages covered by one entry at each level: 1, HPAGE_PMD_NR, HPAGE_PUD_NR. */
export const PAGES_PER_LEVEL: Readonly<Record<Level, number>> = { pte: 1, pmd: HPAGE_PMD_NR, pud: HPAGE_PUD_NR }
