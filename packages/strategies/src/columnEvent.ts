import { ENUMS, EVENT_FIELDS, EVENT_TYPES, type FolioKind, type Level, type MmEvent, type TruthColumns } from '@mmsim/core'
import { EventOp, fillEventOpAs } from './eventOp.ts'

/** the fields {@link fillEventOpAs} reads (a getter each below) */
const NAMES = ['pid', 'child', 'vpn', 'folio', 'page', 'nrPages', 'level', 'exclusive', 'mode', 'newOrder', 'newFolio', 'kind', 'order'] as const
const NCODES = EVENT_TYPES.length

/** SLOT[n * NCODES + code] - the slot of field NAMES[n] in an event of type @code (−1: the type has none) */
const SLOT = new Int32Array(NAMES.length * NCODES).fill(-1)
/** ENUM_OF[same index] - the field's enum values, or null (a uint, or the bool `exclusive`) */
const ENUM_OF: (readonly string[] | null)[] = new Array<readonly string[] | null>(NAMES.length * NCODES).fill(null)
EVENT_TYPES.forEach((t, c) => {
  EVENT_FIELDS[t].forEach((f: { name: string; kind: string }, k: number) => {
    const n = (NAMES as readonly string[]).indexOf(f.name)
    if (n < 0) return
    SLOT[n * NCODES + c] = k
    if (f.kind !== 'uint' && f.kind !== 'bool') ENUM_OF[n * NCODES + c] = ENUMS[f.kind as keyof typeof ENUMS]
  })
})

/**
 * ColumnEvent - event @i of a frame's integer columns (@S, type code @c) read through getters, as the
 * decoder's event object would give it: uints as numbers, booleans as booleans, enums as their ENUMS
 * strings. It only has the fields {@link fillEventOpAs} reads, so the column path fills an EventOp with
 * the same switch (one copy of which fields each type hands the schemes) and no event object per event.
 */
class ColumnEvent {
  S: readonly Int32Array[] = []
  i = 0
  c = 0
  private v(n: number): number {
    return this.S[SLOT[n * NCODES + this.c]!]![this.i]!
  }
  private e(n: number): string {
    return ENUM_OF[n * NCODES + this.c]![this.v(n)]!
  }
  get pid(): number { return this.v(0) }
  get child(): number { return this.v(1) }
  get vpn(): number { return this.v(2) }
  get folio(): number { return this.v(3) }
  get page(): number { return this.v(4) }
  get nrPages(): number { return this.v(5) }
  get level(): string { return this.e(6) }
  get exclusive(): boolean { return this.v(7) === 1 }
  get mode(): string { return this.e(8) }
  get newOrder(): number { return this.v(9) }
  get newFolio(): number { return this.v(10) }
  get kind(): string { return this.e(11) }
  get order(): number { return this.v(12) }
}

const COL = new ColumnEvent()

/**
 * columnEvent - event @i (type code @c ≥ 0) of integer columns @w as the event object fillEventOpAs reads
 * (one reused view: valid until the next call; only for filling an EventOp, it is not a full MmEvent).
 */
export function columnEvent(w: TruthColumns, i: number, c: number): MmEvent {
  COL.S = w.slots
  COL.i = i
  COL.c = c
  return COL as unknown as MmEvent
}

/** an EventOp with every field at a value no column fill gives (to compare two fills field by field) */
function blankOp(): EventOp {
  const op = new EventOp()
  for (const n of NAMES) (op as unknown as Record<string, unknown>)[n] = n === 'exclusive' ? false : n === 'level' || n === 'mode' || n === 'kind' ? '?' : -7
  return op
}

/** test columns for type @c: slot k holds @v(k) in row 0 (enums a valid index, booleans 0/1) */
function testColumns(c: number, v: (k: number, kind: string) => number): Int32Array[] {
  return EVENT_FIELDS[EVENT_TYPES[c]!].map((f: { name: string; kind: string }, k: number) => Int32Array.of(v(k, f.kind)))
}

/**
 * PLAN[c] - for type code @c, the (NAMES index, slot) pairs fillEventOpAs reads, when its fill of an event
 * of that type is a plain copy of those fields (enums as their ENUMS strings, `exclusive` as a boolean);
 * null when it computes something (then {@link fillEventOpColumns} goes through fillEventOpAs). Learned
 * once here by filling from a recording view of test columns and comparing both fills on two sets of values,
 * so fillEventOpAs stays the one place that says which fields each type hands the schemes.
 */
const PLAN: (Int32Array | null)[] = EVENT_TYPES.map((type, c) => {
  const read: number[] = []
  const spy = new Proxy(COL, {
    get(t, p, r) {
      const n = (NAMES as readonly string[]).indexOf(p as string)
      if (n >= 0 && !read.includes(n)) read.push(n)
      return Reflect.get(t, p, r === spy ? t : r)
    },
  })
  COL.S = testColumns(c, () => 0)
  COL.i = 0
  COL.c = c
  fillEventOpAs(blankOp(), spy as unknown as MmEvent, type, c)
  const plan: number[] = []
  for (const n of read) plan.push(n, SLOT[n * NCODES + c]!)
  const p = Int32Array.from(plan)
  for (const v of [(k: number, kind: string) => (kind === 'uint' ? 1000 + k : 1), (k: number, kind: string) => (kind === 'uint' ? 7 + 3 * k : 0)]) {
    const S = testColumns(c, v)
    const a = fillEventOpAs(blankOp(), columnEvent({ count: 1, codes: Int32Array.of(c), causeIdx: Int32Array.of(0), causes: [''], slots: S }, 0, c), type, c)
    const b = blankOp()
    b.type = type
    b.code = c
    copyPlan(b, p, S, 0, c)
    if (!NAMES.every((n) => a[n] === b[n])) return null
  }
  return p
})

function copyPlan(op: EventOp, p: Int32Array, S: readonly Int32Array[], i: number, c: number): void {
  for (let k = 0; k < p.length; k += 2) {
    const n = p[k]!
    const v = S[p[k + 1]!]![i]!
    switch (n) {
      case 0: op.pid = v; break
      case 1: op.child = v; break
      case 2: op.vpn = v; break
      case 3: op.folio = v; break
      case 4: op.page = v; break
      case 5: op.nrPages = v; break
      case 6: op.level = ENUM_OF[n * NCODES + c]![v] as Level; break
      case 7: op.exclusive = v === 1; break
      case 8: op.mode = ENUM_OF[n * NCODES + c]![v] as EventOp['mode']; break
      case 9: op.newOrder = v; break
      case 10: op.newFolio = v; break
      case 11: op.kind = ENUM_OF[n * NCODES + c]![v] as FolioKind; break
      case 12: op.order = v; break
    }
  }
}

/**
 * fillEventOpColumns - {@link fillEventOpAs} of event @i (type code @c ≥ 0) of integer columns @w, read
 * straight from the columns (no getter per field, no switch on the type string): the same fields and values.
 */
export function fillEventOpColumns(op: EventOp, w: TruthColumns, i: number, c: number): EventOp {
  const p = PLAN[c]
  if (p === null || p === undefined) return fillEventOpAs(op, columnEvent(w, i, c), EVENT_TYPES[c]!, c)
  op.type = EVENT_TYPES[c]!
  op.code = c
  copyPlan(op, p, w.slots, i, c)
  return op
}
