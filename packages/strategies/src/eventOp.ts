import type { FolioKind, Level, MmEvent } from '@mmsim/core'

/**
 * EventOp - one event's fields in a single fixed-shape record. Decoded trace events are per-type scratch
 * objects of ~30 different shapes, so reading their fields in shared code is a megamorphic property load
 * per field per scheme; a driver copies them once into an EventOp ({@link fillEventOp}) and hands the same
 * record to every built-in scheme (`SchemeBase.applyOp`). Fields an event type lacks hold 0 / defaults.
 */
export class EventOp {
  type: MmEvent['type'] = 'check/marked'
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

/** fillEventOp - copy event @e into @op (every field an event type has; the others are left as they were). */
export function fillEventOp(op: EventOp, e: MmEvent): EventOp {
  op.type = e.type
  switch (e.type) {
    case 'folio/allocated':
      op.folio = e.folio
      op.order = e.order
      op.kind = e.kind
      break
    case 'hugetlb/poolGrown':
      op.folio = e.folio
      op.order = e.order
      break
    case 'folio/freed':
    case 'hugetlb/poolShrunk':
    case 'hvo/optimized':
    case 'hvo/restored':
      op.folio = e.folio
      break
    case 'folio/migrated':
      op.folio = e.folio
      op.newFolio = e.newFolio
      break
    case 'folio/split':
      op.folio = e.folio
      op.newOrder = e.newOrder
      break
    case 'rmap/newAnonAdded':
    case 'rmap/fileAdded':
    case 'rmap/removed':
      op.pid = e.pid
      op.vpn = e.vpn
      op.folio = e.folio
      op.page = e.page
      op.nrPages = e.nrPages
      op.level = e.level
      break
    case 'rmap/anonAdded':
      op.pid = e.pid
      op.vpn = e.vpn
      op.folio = e.folio
      op.page = e.page
      op.nrPages = e.nrPages
      op.level = e.level
      op.exclusive = e.exclusive
      break
    case 'rmap/anonDuplicated':
    case 'rmap/fileDuplicated':
      op.pid = e.pid
      op.child = e.child
      op.vpn = e.vpn
      op.folio = e.folio
      op.page = e.page
      op.nrPages = e.nrPages
      op.level = e.level
      break
    case 'rmap/anonShared':
    case 'rmap/anonReused':
      op.folio = e.folio
      op.page = e.page
      op.nrPages = e.nrPages
      break
    case 'pmd/remapped':
      op.pid = e.pid
      op.vpn = e.vpn
      op.folio = e.folio
      break
    case 'hugetlb/rmapAdded':
      op.pid = e.pid
      op.vpn = e.vpn
      op.folio = e.folio
      op.level = e.level
      op.mode = e.mode
      op.exclusive = e.exclusive
      break
    case 'hugetlb/rmapRemoved':
      op.pid = e.pid
      op.vpn = e.vpn
      op.folio = e.folio
      op.level = e.level
      break
    case 'hugetlb/anonDuplicated':
      op.pid = e.pid
      op.child = e.child
      op.vpn = e.vpn
      op.folio = e.folio
      op.level = e.level
      break
    default:
      break
  }
  return op
}
