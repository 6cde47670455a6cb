import type { EventBase } from './common.ts'

/**
 * CheckMarked - a scenario's `check` statement on @line: an observation point, no state change.
 */
export interface CheckMarked extends EventBase {
  type: 'check/marked'
  line: number
}

export type MarkEvent = CheckMarked
