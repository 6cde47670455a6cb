import type { MmEvent } from '@mmsim/core'

/** the event types whose PTE-level @nrPages is a batch of single-page operations (a `_ptes` call, or a page range) */
const PTE_BATCHES: ReadonlySet<string> = new Set(['rmap/anonAdded', 'rmap/fileAdded', 'rmap/removed', 'rmap/anonDuplicated', 'rmap/fileDuplicated'])
/** page ranges without a level (PageAnonExclusive per page) */
const PAGE_RANGES: ReadonlySet<string> = new Set(['rmap/anonShared', 'rmap/anonReused'])

/**
 * unbatchEvent - hand event @e to @emit as the single-page events a kernel without rmap batching would make:
 * an `rmap/{anon,file}Added`, `rmap/removed`, `rmap/{anon,file}Duplicated` of @nrPages > 1 PTEs becomes
 * @nrPages events of one PTE each (`page + i` at `vpn + i`, in ascending order, same cause and fields), an
 * `rmap/anonShared` / `rmap/anonReused` of @nrPages pages one event per page. Everything else is emitted as
 * it is: PMD/PUD entries (one entry, however many pages), `rmap/newAnonAdded` (folio_add_new_anon_rmap()
 * maps a whole new folio in one call and has no per-page form), and every other type.
 * Precondition: none (a malformed event is passed on for the replay to report). The object handed to @emit
 * is reused between the pieces of one event: a consumer copies what it keeps (the trace writers do).
 * @returns the number of events emitted
 */
export function unbatchEvent(e: MmEvent, emit: (e: MmEvent) => void): number {
  const x = e as unknown as { type: string; nrPages?: number; level?: string; page: number; vpn?: number }
  const n = x.nrPages
  const splits = n !== undefined && n > 1 && (PAGE_RANGES.has(x.type) || (PTE_BATCHES.has(x.type) && x.level === 'pte'))
  if (!splits) {
    emit(e)
    return 1
  }
  const piece = { ...x, nrPages: 1 }
  for (let i = 0; i < n; i++) {
    piece.page = x.page + i
    if (x.vpn !== undefined) piece.vpn = x.vpn + i
    emit(piece as unknown as MmEvent)
  }
  return n
}
