import { ENUMS, EVENT_FIELDS, EVENT_TYPES, type FieldSpec } from '@mmsim/core'

/** EventStructure - one event type's record structure as stored in a file: its name and its fields in wire order. */
export interface EventStructure {
  type: string
  fields: FieldSpec[]
}

/**
 * TraceHeader - what a `.mmtrace` file says about itself.
 * @structures: the event record structures; a frame's type code is an index into this list
 * @source: what produced the trace (`scenario` with its text, `kernel` with a release, `synthetic`, `jsonl`)
 */
export interface TraceHeader {
  format: 'mmtrace'
  version: number
  pageSize: number
  source: { kind: string; name?: string; text?: string; detail?: string }
  structures: EventStructure[]
  /** the values of every enumerated field kind, in code order */
  enums: Record<string, readonly string[]>
  frameEvents: number
  createdBy: string
}

/** currentStructures - this version's event structures, in code order. */
export function currentStructures(): EventStructure[] {
  return EVENT_TYPES.map((type) => ({ type, fields: EVENT_FIELDS[type].map((f) => ({ name: f.name, kind: f.kind })) }))
}

/** currentEnums - this version's enumerations. */
export function currentEnums(): Record<string, readonly string[]> {
  return { ...ENUMS }
}
