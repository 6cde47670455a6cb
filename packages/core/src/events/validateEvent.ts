import type { MmEvent } from './mmEvent.ts'
import { ENUMS, EVENT_FIELDS, isEventType } from './schema.ts'

/**
 * validateEvent - check that @x is a well-formed event of a known type: every field present with the
 * right kind (unsigned integers below 2^53, booleans, enum values), `cause` a string if present.
 * @returns the event (cause defaulted to '') or a one-line reason naming the field and what was expected
 */
export function validateEvent(x: unknown): MmEvent | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'expected an event object'
  const o = x as Record<string, unknown>
  if (typeof o.type !== 'string') return "expected a string field 'type'"
  if (!isEventType(o.type)) return `unknown event type '${o.type}'`
  const out: Record<string, unknown> = { type: o.type }
  for (const f of EVENT_FIELDS[o.type]) {
    const v = o[f.name]
    if (v === undefined) return `${o.type}: missing field '${f.name}'`
    if (f.kind === 'uint') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return `${o.type}: field '${f.name}' must be an unsigned integer, got ${JSON.stringify(v)}`
    } else if (f.kind === 'bool') {
      if (typeof v !== 'boolean') return `${o.type}: field '${f.name}' must be true or false, got ${JSON.stringify(v)}`
    } else if (!(ENUMS[f.kind] as readonly unknown[]).includes(v)) {
      return `${o.type}: field '${f.name}' must be one of ${ENUMS[f.kind].join('|')}, got ${JSON.stringify(v)}`
    }
    out[f.name] = v
  }
  for (const k of Object.keys(o)) {
    if (k !== 'type' && k !== 'cause' && !EVENT_FIELDS[o.type].some((f) => f.name === k)) return `${o.type}: unknown field '${k}'`
  }
  if (o.cause !== undefined && typeof o.cause !== 'string') return `${o.type}: field 'cause' must be a string`
  out.cause = o.cause ?? ''
  return out as unknown as MmEvent
}
