import type { EventBase, FolioKind, Pfn } from './common.ts'

/**
 * FolioAllocated - folio [folio, folio + 2^order) now exists, of @kind. A page-cache folio (file, shmem)
 * belongs to file @file at page index @index; other kinds have file 0, index 0.
 * Precondition: @folio is aligned to 2^order and overlaps no live folio.
 * @see folio_alloc(), vma_alloc_folio(), filemap_add_folio() — mm/page_alloc.c, mm/filemap.c
 */
export interface FolioAllocated extends EventBase {
  readonly type: 'folio/allocated'
  readonly folio: Pfn
  readonly order: number
  readonly kind: FolioKind
  readonly file: number
  readonly index: number
}

/**
 * FolioFreed - folio @folio is freed (and leaves the page cache, if it was there).
 * Precondition: nothing maps any page of it.
 * @see folio_put(), free_unref_folios(), filemap_remove_folio() — mm/swap.c, mm/filemap.c
 */
export interface FolioFreed extends EventBase {
  readonly type: 'folio/freed'
  readonly folio: Pfn
}

/**
 * FolioSplit - large folio @folio becomes 2^(order - newOrder) folios of order @newOrder. Each page keeps
 * its PTE mappings and its anon-exclusive bit; page-cache folios keep their file indices.
 * Precondition: @folio is a live non-HugeTLB folio with order > newOrder, mapped by no PMD or PUD entry.
 * @see __folio_split(), split_huge_page_to_list_to_order() — mm/huge_memory.c
 */
export interface FolioSplit extends EventBase {
  readonly type: 'folio/split'
  readonly folio: Pfn
  readonly newOrder: number
}

/**
 * FolioMigrated - the contents, kind and page-cache place of @folio move to @newFolio (same order).
 * Precondition: @folio is live and unmapped (migration entries replace its mappings, as `rmap/removed`),
 * @newFolio is aligned and overlaps no live folio.
 * @see migrate_pages(), migrate_folio() — mm/migrate.c
 */
export interface FolioMigrated extends EventBase {
  readonly type: 'folio/migrated'
  readonly folio: Pfn
  readonly newFolio: Pfn
}

/**
 * FolioSplitFailed - a split of large page-cache folio @folio at page @page (a PFN inside it) failed with
 * errno @errno, and the folio stays whole with every mapping it had. 11 (EAGAIN): references beyond
 * folio_mapcount() + the page cache's 2^order + the caller's one — a GUP pin (FOLL_GET/FOLL_PIN: O_DIRECT,
 * io_uring fixed buffers), a vmsplice() pipe buffer, I/O in flight — found by can_split_folio() before
 * unmap_folio() or by the ref freeze after it; 16 (EBUSY): writeback, swap cache, a truncated folio.
 * The simulator emits it when fallocate(PUNCH_HOLE)'s truncate_inode_partial_folio() cannot split the
 * folio at the hole's first page (the hole stays allocated, zeroed). It changes no state: it is a mark for
 * readers (flag-on-failed-split reclaim, `mmsim waste`).
 * Precondition: @folio is a live non-HugeTLB folio of order > 0 and @page one of its pages.
 * @see __folio_split(), can_split_folio(), try_folio_split(), truncate_inode_partial_folio() —
 *      mm/huge_memory.c, mm/truncate.c
 */
export interface FolioSplitFailed extends EventBase {
  readonly type: 'folio/splitFailed'
  readonly folio: Pfn
  readonly page: Pfn
  readonly errno: number
}

export type FolioEvent = FolioAllocated | FolioFreed | FolioSplit | FolioMigrated | FolioSplitFailed
