import type { FolioKind, Level, MmEvent } from '@mmsim/core'

/**
 * Builders of single events for the strategies' tests (every field spelled out, cause 'test').
 * vpn/pfn arguments are absolute page numbers.
 */
const ev = (e: Record<string, unknown>): MmEvent => ({ cause: 'test', ...e }) as unknown as MmEvent

export const proc = (pid: number): MmEvent => ev({ type: 'process/created', pid })
export const vma = (pid: number, vpn: number, nrPages: number, kind: 'anon' | 'file' | 'shmem' | 'hugetlb' = 'anon'): MmEvent =>
  ev({ type: 'vma/mapped', pid, vpn, nrPages, kind, shared: kind !== 'anon', writable: true, file: kind === 'anon' ? 0 : 1, pgoff: 0 })
export const alloc = (folio: number, order: number, kind: FolioKind = 'anon'): MmEvent =>
  kind === 'hugetlb'
    ? ev({ type: 'hugetlb/poolGrown', folio, order })
    : ev({ type: 'folio/allocated', folio, order, kind, file: kind === 'anon' ? 0 : 1, index: 0 })
export const free = (folio: number): MmEvent => ev({ type: 'folio/freed', folio })
export const newAnon = (pid: number, vpn: number, folio: number, nrPages: number, level: Level): MmEvent =>
  ev({ type: 'rmap/newAnonAdded', pid, vpn, folio, page: folio, nrPages, level })
export const anonAdd = (pid: number, vpn: number, folio: number, page: number, nrPages: number, level: Level, exclusive = false): MmEvent =>
  ev({ type: 'rmap/anonAdded', pid, vpn, folio, page, nrPages, level, exclusive })
export const fileAdd = (pid: number, vpn: number, folio: number, page: number, nrPages: number, level: Level): MmEvent =>
  ev({ type: 'rmap/fileAdded', pid, vpn, folio, page, nrPages, level })
export const remove = (pid: number, vpn: number, folio: number, page: number, nrPages: number, level: Level): MmEvent =>
  ev({ type: 'rmap/removed', pid, vpn, folio, page, nrPages, level })
export const fork = (pid: number, child: number): MmEvent => ev({ type: 'process/forked', pid, child })
export const anonDup = (pid: number, child: number, vpn: number, folio: number, page: number, nrPages: number, level: Level): MmEvent =>
  ev({ type: 'rmap/anonDuplicated', pid, child, vpn, folio, page, nrPages, level })
export const remap = (pid: number, vpn: number, folio: number): MmEvent => ev({ type: 'pmd/remapped', pid, vpn, folio })
export const hugeAdd = (pid: number, vpn: number, folio: number, mode: 'newAnon' | 'anon' | 'file', level: Level = 'pmd'): MmEvent =>
  ev({ type: 'hugetlb/rmapAdded', pid, vpn, folio, level, mode, exclusive: mode === 'newAnon' })
export const hugeRemove = (pid: number, vpn: number, folio: number, level: Level = 'pmd'): MmEvent =>
  ev({ type: 'hugetlb/rmapRemoved', pid, vpn, folio, level })
export const hugeDup = (pid: number, child: number, vpn: number, folio: number, level: Level = 'pmd'): MmEvent =>
  ev({ type: 'hugetlb/anonDuplicated', pid, child, vpn, folio, level })
export const hvo = (folio: number, on: boolean): MmEvent => ev({ type: on ? 'hvo/optimized' : 'hvo/restored', folio })

/** perPte - @n single-PTE events made by @mk(i) */
export const perPte = (n: number, mk: (i: number) => MmEvent): MmEvent[] => Array.from({ length: n }, (_, i) => mk(i))

/** HGM (model-only): MADV_SPLIT over [vpn, vpn + nrPages) of @pid, and 4 KiB HGM entries (level 'pte') of a HugeTLB folio */
export const hgmEnable = (pid: number, vpn: number, nrPages: number): MmEvent => ev({ type: 'hugetlb/hgmEnabled', pid, vpn, nrPages })
export const hgmAdd = (pid: number, vpn: number, folio: number, page: number, level: Level = 'pte'): MmEvent =>
  ev({ type: 'hugetlb/hgmRmapAdded', pid, vpn, folio, page, level })
export const hgmRemove = (pid: number, vpn: number, folio: number, page: number, level: Level = 'pte'): MmEvent =>
  ev({ type: 'hugetlb/hgmRmapRemoved', pid, vpn, folio, page, level })
