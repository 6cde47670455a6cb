import { assertNever, EVENT_CODE, EVENT_TYPES, HPAGE_PMD_NR, HPAGE_PUD_NR, KIND_NAMES, type FolioKind, type Level, type MmEvent } from '@mmsim/core'

/**
 * EventOp - one event's fields in a single fixed-shape record. Decoded trace events are per-type scratch
 * objects of ~30 different shapes, so reading their fields in shared code is a megamorphic property load
 * per field per scheme; a driver copies them once into an EventOp ({@link fillEventOp}) and hands the same
 * record to every built-in scheme (`SchemeBase.applyOp`). Fields an event type lacks hold 0 / defaults.
 */
export class EventOp {
  type: MmEvent['type'] = 'check/marked'
  /** the type's index in EVENT_TYPES (a number to switch on) */
  code = 0
  pid = 0
  child = 0
  vpn = 0
  folio = 0
  page = 0
  nrPages = 0
  level: Level = 'pte'
  exclusive = false
  mode: 'newAnon' | 'anon' | 'file' = 'file'
  newOrder = 0
  newFolio = 0
  kind: FolioKind = 'anon'
  order = 0
}

const CANONICAL = new Map<string, MmEvent['type']>(EVENT_TYPES.map((t) => [t, t]))

// the interned literals of the small string enums (a decoder's strings are built at run time: comparing
// those against literals compares characters, the schemes compare these on every event)
const level = (l: Level): Level => (l === 'pte' ? 'pte' : l === 'pmd' ? 'pmd' : l === 'pud' ? 'pud' : l)
const KINDS = new Map<string, FolioKind>(KIND_NAMES.map((k) => [k, k]))
const mode = (m: EventOp['mode']): EventOp['mode'] => (m === 'newAnon' ? 'newAnon' : m === 'anon' ? 'anon' : m === 'file' ? 'file' : m)
const CODES = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]))

/** OP - EVENT_TYPES index of each event type (EventOp.code): core's EVENT_CODE */
export const OP = EVENT_CODE

/**
 * canonicalType - the event type string as the interned literal of EVENT_TYPES. A decoder builds its type
 * names at run time; comparing those against literals (switch, Map keys) compares characters, the
 * canonical ones compare by pointer.
 */
export function canonicalType(t: string): MmEvent['type'] {
  return CANONICAL.get(t) ?? (t as MmEvent['type'])
}

/** fillEventOp - copy event @e into @op (every field an event type has; the others are left as they were). */
export function fillEventOp(op: EventOp, e: MmEvent): EventOp {
  const type = canonicalType(e.type)
  return fillEventOpAs(op, e, type, CODES.get(type) ?? -1)
}

/** eventCode - the EVENT_TYPES index of event type @t (−1 for a type this version does not know) */
export function eventCode(t: string): number {
  return CODES.get(t) ?? -1
}

/** pages one HGM entry of @l covers: a 4 KiB PTE 1, a PMD inside a 1 GiB folio 512 (the HGM events carry no nrPages) */
const hgmPages = (l: Level): number => (l === 'pte' ? 1 : l === 'pmd' ? HPAGE_PMD_NR : HPAGE_PUD_NR)

/**
 * fillEventOpAs - {@link fillEventOp} of an event whose canonical @type and its @code the caller already knows.
 * The switch names every event type (a new one is a compile error here until it says which fields it copies);
 * a type outside EVENT_TYPES (@code −1, from a newer trace) copies nothing.
 */
export function fillEventOpAs(op: EventOp, e: MmEvent, type: MmEvent['type'], code: number): EventOp {
  op.type = type
  op.code = code
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const x = e as unknown as Record<string, any>
  switch (type) {
    case 'folio/allocated':
      op.folio = x.folio
      op.order = x.order
      op.kind = KINDS.get(x.kind) ?? x.kind
      break
    case 'hugetlb/poolGrown':
      op.folio = x.folio
      op.order = x.order
      break
    case 'folio/freed':
    case 'hugetlb/poolShrunk':
    case 'hvo/optimized':
    case 'hvo/restored':
      op.folio = x.folio
      break
    case 'folio/migrated':
      op.folio = x.folio
      op.newFolio = x.newFolio
      break
    case 'folio/split':
      op.folio = x.folio
      op.newOrder = x.newOrder
      break
    case 'folio/splitFailed':
      op.folio = x.folio
      op.page = x.page
      break
    case 'rmap/newAnonAdded':
    case 'rmap/fileAdded':
    case 'rmap/removed':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      op.page = x.page
      op.nrPages = x.nrPages
      op.level = level(x.level)
      break
    case 'rmap/anonAdded':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      op.page = x.page
      op.nrPages = x.nrPages
      op.level = level(x.level)
      op.exclusive = x.exclusive
      break
    case 'rmap/anonDuplicated':
    case 'rmap/fileDuplicated':
      op.pid = x.pid
      op.child = x.child
      op.vpn = x.vpn
      op.folio = x.folio
      op.page = x.page
      op.nrPages = x.nrPages
      op.level = level(x.level)
      break
    case 'rmap/anonShared':
    case 'rmap/anonReused':
      op.folio = x.folio
      op.page = x.page
      op.nrPages = x.nrPages
      break
    case 'pmd/remapped':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      break
    case 'hugetlb/rmapAdded':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      op.level = level(x.level)
      op.mode = mode(x.mode)
      op.exclusive = x.exclusive
      break
    case 'hugetlb/rmapRemoved':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      op.level = level(x.level)
      break
    case 'hugetlb/anonDuplicated':
      op.pid = x.pid
      op.child = x.child
      op.vpn = x.vpn
      op.folio = x.folio
      op.level = level(x.level)
      break
    case 'hugetlb/hgmRmapAdded':
    case 'hugetlb/hgmRmapRemoved':
      op.pid = x.pid
      op.vpn = x.vpn
      op.folio = x.folio
      op.page = x.page
      op.level = level(x.level)
      op.nrPages = hgmPages(op.level)
      break
    case 'hugetlb/hgmEnabled':
      op.pid = x.pid
      op.vpn = x.vpn
      op.nrPages = x.nrPages
      break
    case 'hugetlb/hgmTableAllocated':
      op.pid = x.pid
      op.vpn = x.vpn
      op.level = level(x.level)
      break
    case 'process/created':
    case 'process/forked':
    case 'process/exited':
    case 'vma/mapped':
    case 'vma/unmapped':
    case 'vma/moved':
    case 'vma/protected':
    case 'vma/advised':
    case 'collapse/completed':
    case 'zeropage/mapped':
    case 'zeropage/unmapped':
    case 'check/marked':
      break // no field a scheme reads (schemes keep no page tables or VMAs; zero pages have no rmap)
    default:
      if (code < 0) break
      return assertNever(type, 'event type')
  }
  return op
}
