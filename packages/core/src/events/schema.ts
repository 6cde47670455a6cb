/**
 * The event structures: for every event type, its fields in wire order and their kinds.
 *
 * This table is the single source the `.mmtrace` format writes into a file's header ("record
 * structures"), the columnar frame codec encodes from, and the JSONL reader validates against.
 * A reader builds its decoder from the structures stored in the *file*, so a file from a newer
 * mmsim with extra fields or extra event types is read field by field, and unknown types are reported.
 */

/** Values of the enumerated field kinds, in wire order (the code is the index). */
export const ENUMS = {
  level: ['pte', 'pmd', 'pud'],
  folioKind: ['anon', 'file', 'shmem', 'hugetlb', 'zero', 'hugezero'],
  vmaKind: ['anon', 'file', 'shmem', 'hugetlb'],
  hugetlbMode: ['newAnon', 'anon', 'file'],
  advice: ['hugepage', 'nohugepage', 'dontfork', 'dofork'],
} as const

export type EnumName = keyof typeof ENUMS
/** A field kind: an unsigned integer below 2^53, a boolean, or one of {@link ENUMS}. */
export type FieldKind = 'uint' | 'bool' | EnumName
export interface FieldSpec {
  readonly name: string
  readonly kind: FieldKind
}

const f = <N extends string, K extends FieldKind = 'uint'>(name: N, kind?: K): { readonly name: N; readonly kind: K } =>
  ({ name, kind: kind ?? 'uint' }) as { readonly name: N; readonly kind: K }

/** EVENT_FIELDS - event type -> its fields (without `type` and `cause`), in wire order. */
export const EVENT_FIELDS = {
  'process/created': [f('pid')],
  'process/forked': [f('pid'), f('child')],
  'process/exited': [f('pid')],
  'vma/mapped': [
    f('pid'), f('vpn'), f('nrPages'), f('kind', 'vmaKind'), f('shared', 'bool'), f('writable', 'bool'),
    f('file'), f('pgoff'),
  ],
  'vma/unmapped': [f('pid'), f('vpn'), f('nrPages')],
  'vma/moved': [f('pid'), f('vpn'), f('nrPages'), f('newVpn')],
  'vma/protected': [f('pid'), f('vpn'), f('nrPages'), f('writable', 'bool')],
  'vma/advised': [f('pid'), f('vpn'), f('nrPages'), f('advice', 'advice')],
  'folio/allocated': [f('folio'), f('order'), f('kind', 'folioKind'), f('file'), f('index')],
  'folio/freed': [f('folio')],
  'folio/split': [f('folio'), f('newOrder')],
  'folio/migrated': [f('folio'), f('newFolio')],
  'rmap/newAnonAdded': [f('pid'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level')],
  'rmap/anonAdded': [
    f('pid'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level'), f('exclusive', 'bool'),
  ],
  'rmap/fileAdded': [f('pid'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level')],
  'rmap/removed': [f('pid'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level')],
  'rmap/anonDuplicated': [
    f('pid'), f('child'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level'),
  ],
  'rmap/fileDuplicated': [
    f('pid'), f('child'), f('vpn'), f('folio'), f('page'), f('nrPages'), f('level', 'level'),
  ],
  'rmap/anonShared': [f('folio'), f('page'), f('nrPages')],
  'rmap/anonReused': [f('folio'), f('page'), f('nrPages')],
  'pmd/remapped': [f('pid'), f('vpn'), f('folio')],
  'collapse/completed': [f('pid'), f('vpn'), f('folio')],
  'zeropage/mapped': [f('pid'), f('vpn'), f('folio'), f('level', 'level')],
  'zeropage/unmapped': [f('pid'), f('vpn'), f('folio'), f('level', 'level')],
  'hugetlb/rmapAdded': [
    f('pid'), f('vpn'), f('folio'), f('level', 'level'), f('mode', 'hugetlbMode'), f('exclusive', 'bool'),
  ],
  'hugetlb/rmapRemoved': [f('pid'), f('vpn'), f('folio'), f('level', 'level')],
  'hugetlb/anonDuplicated': [f('pid'), f('child'), f('vpn'), f('folio'), f('level', 'level')],
  'hugetlb/poolGrown': [f('folio'), f('order')],
  'hugetlb/poolShrunk': [f('folio')],
  'hvo/optimized': [f('folio')],
  'hvo/restored': [f('folio')],
  'check/marked': [f('line')],
  // HGM (model-only; appended: the codes of the types above are unchanged)
  'hugetlb/hgmEnabled': [f('pid'), f('vpn'), f('nrPages')],
  'hugetlb/hgmRmapAdded': [f('pid'), f('vpn'), f('folio'), f('page'), f('level', 'level')],
  'hugetlb/hgmRmapRemoved': [f('pid'), f('vpn'), f('folio'), f('page'), f('level', 'level')],
  'hugetlb/hgmTableAllocated': [f('pid'), f('vpn'), f('level', 'level')],
  // appended (issue 17); declared in a trace's header only by writers that may write it (OPTIONAL_TYPES)
  'folio/splitFailed': [f('folio'), f('page'), f('errno')],
} as const satisfies Record<string, readonly FieldSpec[]>

/** EventType - every event type this version of mmsim knows. */
export type EventType = keyof typeof EVENT_FIELDS

/** EVENT_TYPES - the known event types in a fixed order (their numeric codes in a file are per file). */
export const EVENT_TYPES: readonly EventType[] = Object.keys(EVENT_FIELDS) as EventType[]

/** EVENT_CODE - each event type's index in {@link EVENT_TYPES}: the type code of widened columns and EventOp.code. */
export const EVENT_CODE = Object.fromEntries(EVENT_TYPES.map((t, i) => [t, i])) as Readonly<Record<EventType, number>>

/**
 * OPTIONAL_TYPES - event types a trace writer declares in a file's header only when asked to (a trace
 * that cannot hold them keeps the header, and so the bytes, it had before they existed).
 */
export const OPTIONAL_TYPES: ReadonlySet<EventType> = new Set<EventType>(['folio/splitFailed'])

/** isEventType - is @name an event type this version knows? */
export function isEventType(name: string): name is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_FIELDS, name)
}

/** MAX_FIELDS - the largest number of fields of any event type (the number of columns of a frame). */
export const MAX_FIELDS = Math.max(...EVENT_TYPES.map((t) => EVENT_FIELDS[t].length))
