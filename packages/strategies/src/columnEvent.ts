import { ENUMS, EVENT_FIELDS, EVENT_TYPES, type MmEvent, type TruthColumns } from '@mmsim/core'

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

