import type { FolioEvent } from './folio.ts'
import type { HugetlbEvent } from './hugetlb.ts'
import type { MarkEvent } from './marks.ts'
import type { ProcessEvent } from './process.ts'
import type { RmapEvent } from './rmap.ts'
import type { EVENT_FIELDS, EventType } from './schema.ts'
import type { VmaEvent } from './vma.ts'

/** MmEvent - every memory-management event mmsim knows: flat objects of primitives, discriminated by `type`. */
export type MmEvent = ProcessEvent | VmaEvent | FolioEvent | RmapEvent | HugetlbEvent | MarkEvent

/** EventOf - the event interface of type @T. */
export type EventOf<T extends MmEvent['type']> = Extract<MmEvent, { type: T }>

// Compile-time proof that the wire structures (schema.ts) and the interfaces agree, both ways.
type FieldsOf<T extends EventType> = (typeof EVENT_FIELDS)[T][number]['name']
type PayloadKeys<T extends MmEvent['type']> = Exclude<keyof EventOf<T>, 'type' | 'cause'>
type SchemaMatches = {
  [T in EventType]: [FieldsOf<T>] extends [PayloadKeys<T>]
    ? [PayloadKeys<T>] extends [FieldsOf<T>]
      ? true
      : ['interface has fields the schema lacks', T]
    : ['schema has fields the interface lacks', T]
}
type Mismatched = { [T in EventType]: SchemaMatches[T] extends true ? never : SchemaMatches[T] }[EventType]
const _schemaCheck: [Mismatched] extends [never] ? true : Mismatched = true
void _schemaCheck
type _TypesMatch = [EventType] extends [MmEvent['type']] ? ([MmEvent['type']] extends [EventType] ? true : never) : never
const _typesMatch: _TypesMatch = true
void _typesMatch
