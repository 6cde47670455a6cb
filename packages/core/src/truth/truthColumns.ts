import type { Level } from '../events/common.ts'
import type { MmEvent } from '../events/mmEvent.ts'
import { ENUMS, EVENT_CODE, EVENT_FIELDS, EVENT_TYPES, type EventType, type FieldKind } from '../events/schema.ts'
import { KIND } from './folioStore.ts'
import { folioAllocatedAt, folioFreedAt } from './truthFolio.ts'
import { anonDuplicatedAt, newAnonAddedAt, rmapRemovedAt } from './truthRmap.ts'
import type { TruthState } from './truthState.ts'

/**
 * TruthColumns - one frame's events as integer columns, in this version's layout (what the trace decoder's
 * widen() gives for a file with decoder.sameLayout and every column in Int32: structurally its WidenedFrame).
 * @codes: EVENT_TYPES index of each event, -1 for a type this version does not decode
 * @slots: slot k = field k of EVENT_FIELDS[type] (booleans 0/1, enums their index in ENUMS)
 */
export interface TruthColumns {
  readonly count: number
  readonly codes: Int32Array
  readonly causeIdx: Int32Array
  readonly causes: readonly string[]
  readonly slots: readonly Int32Array[]
}

const NEW_ANON = EVENT_CODE['rmap/newAnonAdded']
const REMOVED = EVENT_CODE['rmap/removed']
const ANON_DUP = EVENT_CODE['rmap/anonDuplicated']
const ALLOCATED = EVENT_CODE['folio/allocated']
const FREED = EVENT_CODE['folio/freed']

/** the field order the hot cases below read their slots in (checked against EVENT_FIELDS at load) */
const HOT_LAYOUT: [EventType, string[]][] = [
  ['rmap/newAnonAdded', ['pid', 'vpn', 'folio', 'page', 'nrPages', 'level']],
  ['rmap/removed', ['pid', 'vpn', 'folio', 'page', 'nrPages', 'level']],
  ['rmap/anonDuplicated', ['pid', 'child', 'vpn', 'folio', 'page', 'nrPages', 'level']],
  ['folio/allocated', ['folio', 'order', 'kind', 'file', 'index']],
  ['folio/freed', ['folio']],
]
/** HOT_OK - the schema still has the fields where the hot cases read them (else every event takes the generic case) */
export const HOT_OK = HOT_LAYOUT.every(([type, names]) => {
  const f = EVENT_FIELDS[type]
  return f.length === names.length && f.every((x, k) => x.name === names[k])
})
const LEVELS: readonly Level[] = ENUMS.level
/** folio kind code of the file (= ENUMS.folioKind index) -> the chunks' KIND code */
const KIND_OF = Int32Array.from(ENUMS.folioKind, (k) => KIND[k])

const NONE = new Int32Array(0)
const FIELDS: readonly (readonly { name: string; kind: FieldKind }[])[] = EVENT_TYPES.map((t) => EVENT_FIELDS[t])

/** eventAt - event @i of @w as a fresh object (the generic case: types that are rare in traces). */
export function eventAt(w: TruthColumns, i: number, c: number): MmEvent {
  const type = EVENT_TYPES[c]!
  const e: Record<string, unknown> = { type }
  const fields = FIELDS[c]!
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!
    const v = w.slots[k]![i]!
    e[f.name] = f.kind === 'uint' ? v : f.kind === 'bool' ? v === 1 : (ENUMS[f.kind] as readonly string[])[v]
  }
  e.cause = w.causes[w.causeIdx[i]!] ?? ''
  return e as unknown as MmEvent
}

/**
 * applyTruthColumns - apply events [@from, w.count) of @w to @t, in order, straight from the columns: the
 * commonest types (order-0 faults, fork, COW, zap, alloc and free) through their reducers' field entry
 * points with no event object, every other type as an object through {@link TruthState.apply}. Unknown
 * types (code -1) are handed to @onUnknown(i) and not applied, as a forEach walk skips them.
 * With @stopOnViolation it stops right after the first event that records a violation.
 * @returns the index after the last event walked (w.count unless it stopped).
 */
export function applyTruthColumns(t: TruthState, w: TruthColumns, from: number, stopOnViolation: boolean, onUnknown: (i: number) => void): number {
  const n = w.count
  const codes = w.codes
  const ci = w.causeIdx
  const causes = w.causes
  const S = w.slots
  const s0 = S[0] ?? NONE, s1 = S[1] ?? NONE, s2 = S[2] ?? NONE, s3 = S[3] ?? NONE, s4 = S[4] ?? NONE, s5 = S[5] ?? NONE, s6 = S[6] ?? NONE
  const counts = t.counts
  const hot = HOT_OK
  for (let i = from; i < n; i++) {
    const c = codes[i]!
    if (c < 0) {
      onUnknown(i)
      continue
    }
    const before = t.violationCount
    if (!hot) {
      t.apply(eventAt(w, i, c))
    } else {
      t.type = EVENT_TYPES[c]!
      t.cause = causes[ci[i]!] ?? ''
      switch (c) {
        case NEW_ANON:
          counts[c]!++
          newAnonAddedAt(t, s0[i]!, s1[i]!, s2[i]!, s3[i]!, s4[i]!, LEVELS[s5[i]!]!)
          t.index++
          break
        case REMOVED:
          counts[c]!++
          rmapRemovedAt(t, s0[i]!, s1[i]!, s2[i]!, s3[i]!, s4[i]!, LEVELS[s5[i]!]!)
          t.index++
          break
        case ANON_DUP:
          counts[c]!++
          anonDuplicatedAt(t, s0[i]!, s1[i]!, s2[i]!, s3[i]!, s4[i]!, s5[i]!, LEVELS[s6[i]!]!)
          t.index++
          break
        case ALLOCATED:
          counts[c]!++
          folioAllocatedAt(t, s0[i]!, s1[i]!, KIND_OF[s2[i]!]!, s3[i]!, s4[i]!)
          t.index++
          break
        case FREED:
          counts[c]!++
          folioFreedAt(t, s0[i]!)
          t.index++
          break
        default:
          t.apply(eventAt(w, i, c))
      }
    }
    if (stopOnViolation && t.violationCount > before) return i + 1
  }
  return n
}
