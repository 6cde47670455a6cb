import type { EventOf, MmEvent } from './mmEvent.ts'

type Payload<T extends MmEvent['type']> = Omit<EventOf<T>, 'type' | 'cause'>

/**
 * mmEvent - build an event of @type from its @payload, with @cause ('' when unknown).
 * @returns a new flat object of primitives: { type, ...payload, cause }
 */
export function mmEvent<T extends MmEvent['type']>(type: T, payload: Payload<T>, cause = ''): EventOf<T> {
  return { type, ...payload, cause } as unknown as EventOf<T>
}
