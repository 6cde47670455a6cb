import { ENUMS, EVENT_FIELDS, EVENT_TYPES, OPTIONAL_TYPES, type EventType, type FieldSpec } from '@mmsim/core'

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
  /**
   * true when each frame's payload ends with 8 more bytes, an f64: the number of events written before the
   * frame (its first event's index). Readers that do not know the field ignore those bytes (a frame's
   * columns end before them); readers that do cross-check every frame against it and can say, after a cut
   * or a missing frame, exactly how many events were committed before it and how many are gone.
   */
  runningCounts?: boolean
}

const structureOf = (type: EventType): EventStructure => ({ type, fields: EVENT_FIELDS[type].map((f) => ({ name: f.name, kind: f.kind })) })

/**
 * currentStructures - the event structures this version's writer declares by default, in code order: every
 * type but the OPTIONAL_TYPES (see {@link optionalStructures}).
 */
export function currentStructures(): EventStructure[] {
  return EVENT_TYPES.filter((t) => !OPTIONAL_TYPES.has(t)).map(structureOf)
}

/**
 * optionalStructures - the structures of the OPTIONAL_TYPES among @types (any strings: others are ignored),
 * in code order: what a writer that may write them passes as extra structures (TraceWriter's 4th argument).
 * 'all' declares every optional type (a converter that cannot know in advance).
 */
export function optionalStructures(types: Iterable<string> | 'all'): EventStructure[] {
  const want = types === 'all' ? OPTIONAL_TYPES : new Set(types)
  return EVENT_TYPES.filter((t) => OPTIONAL_TYPES.has(t) && want.has(t)).map(structureOf)
}

/** currentEnums - this version's enumerations. */
export function currentEnums(): Record<string, readonly string[]> {
  return { ...ENUMS }
}

/** most event structures, fields per structure and values per enumeration a header may declare */
export const MAX_STRUCTURES = 4096
export const MAX_STRUCTURE_FIELDS = 256
export const MAX_ENUM_VALUES = 65536

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string'

/**
 * headerProblem - what makes decoded header @h unusable (a wrong type, a null, an absurd size), or null.
 * Checks the shape only: event types and fields this version does not know are the decoder's business.
 */
export function headerProblem(h: Record<string, unknown>): string | null {
  if (typeof h.pageSize !== 'number' && h.pageSize !== undefined) return "'pageSize' is not a number"
  const src = h.source
  if (!isObject(src)) return `'source' is ${src === null ? 'null' : Array.isArray(src) ? 'a list' : typeof src}, expected an object`
  if (typeof src.kind !== 'string') return "'source.kind' is not a string"
  for (const k of ['name', 'text', 'detail']) if (!optString(src[k])) return `'source.${k}' is not a string`
  const st = h.structures
  if (!Array.isArray(st)) return "no event structures ('structures' is not a list)"
  if (st.length > MAX_STRUCTURES) return `${st.length} event structures (at most ${MAX_STRUCTURES})`
  for (let i = 0; i < st.length; i++) {
    const s = st[i] as unknown
    if (!isObject(s) || typeof s.type !== 'string' || !Array.isArray(s.fields)) return `event structure ${i} is not {type, fields}`
    if (s.fields.length > MAX_STRUCTURE_FIELDS) return `event structure ${i} has ${s.fields.length} fields (at most ${MAX_STRUCTURE_FIELDS})`
    for (const f of s.fields as unknown[]) {
      if (!isObject(f) || typeof f.name !== 'string' || typeof f.kind !== 'string') return `a field of event structure ${i} ('${s.type}') is not {name, kind}`
    }
  }
  if (h.runningCounts !== undefined && typeof h.runningCounts !== 'boolean') return "'runningCounts' is not a boolean"
  const en = h.enums
  if (!isObject(en)) return `'enums' is ${en === null ? 'null' : Array.isArray(en) ? 'a list' : typeof en}, expected an object`
  for (const [kind, values] of Object.entries(en)) {
    if (!Array.isArray(values) || values.length > MAX_ENUM_VALUES || !values.every((v) => typeof v === 'string')) return `enum '${kind}' is not a list of names`
  }
  return null
}
