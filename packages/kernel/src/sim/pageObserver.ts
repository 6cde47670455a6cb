import type { MmEvent, Txn } from '@mmsim/core'

/**
 * PageObserver - what `mmsim observe --strategy ID` plugs into the simulated kernel: @onEvent sees every
 * event right after the ground truth applied it (@truth: the transaction, read-only); @page answers what
 * /proc/kpagecount and pagemap bit 56 show for present page @pfn mapped at @level under that scheme.
 */
export interface PageObserver {
  detail: string
  onEvent(e: MmEvent, truth: Txn): void
  page(pfn: number, level: 'pte' | 'pmd' | 'pud'): { mapcount: number; exclusive: boolean }
}
