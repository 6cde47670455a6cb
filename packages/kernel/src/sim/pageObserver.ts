import type { MmEvent, TruthState } from '@mmsim/core'

/**
 * PageObserver - what `mmsim observe --strategy ID` plugs into the simulated kernel: @onEvent sees every
 * event right after the ground truth applied it (@truth: the flat ground truth, read-only; @e may be a scratch
 * object reused for the next event of its type: copy it to keep it); @page answers what
 * /proc/kpagecount and pagemap bit 56 show for present page @pfn mapped at @level under that scheme.
 */
export interface PageObserver {
  detail: string
  onEvent(e: MmEvent, truth: TruthState): void
  /**
   * @smapsPrivate: [extension] whether smaps counts the page as private (CONFIG_PAGE_MAPCOUNT: its mapcount
   * < 2; CONFIG_NO_PAGE_MAPCOUNT: !folio_maybe_mapped_shared()); absent: mapcount < 2
   */
  page(pfn: number, level: 'pte' | 'pmd' | 'pud'): { mapcount: number; exclusive: boolean; smapsPrivate?: boolean }
}
