import type { EventBase } from './common.ts'

/**
 * CheckMarked - a scenario's `check` statement on @line: an observation point, no state change.
 */
export interface CheckMarked extends EventBase {
  readonly type: 'check/marked'
  readonly line: number
}

export type MarkEvent = CheckMarked
