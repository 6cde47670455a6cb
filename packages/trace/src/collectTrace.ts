import type { MmEvent } from '@mmsim/core'
import type { FrameDamage } from './errors/frameDamage.ts'
import type { TraceHeader } from './format/traceHeader.ts'
import { traceItems } from './traceReader.ts'
import type { ReadOptions, TraceIndex } from './readTraceSync.ts'

/** CollectedTrace - a whole trace in memory (small traces: tests, convert, hand-written files). */
export interface CollectedTrace {
  header: TraceHeader
  index: TraceIndex | null
  events: MmEvent[]
  damage: FrameDamage[]
  /** events of types this version does not know, by type name */
  unknown: Record<string, number>
  structureProblems: string[]
  complete: boolean
}

/** collectTrace - read every readable event of @file into memory. */
export async function collectTrace(file: string, opts: ReadOptions = {}): Promise<CollectedTrace> {
  const out: Partial<CollectedTrace> & { events: MmEvent[]; damage: FrameDamage[]; unknown: Record<string, number> } = {
    events: [], damage: [], unknown: {}, complete: false, structureProblems: [],
  }
  let decoder: import('./format/eventDecoder.ts').EventDecoder | null = null
  for await (const item of traceItems(file, opts)) {
    if (item.kind === 'header') {
      out.header = item.header
      out.index = item.index
      decoder = item.decoder
      out.structureProblems = decoder.structureProblems
    } else if (item.kind === 'frame') {
      for (const e of decoder!.toEvents(item.frame, (name) => (out.unknown[name] = (out.unknown[name] ?? 0) + 1))) out.events.push(e)
    } else if (item.kind === 'damage') out.damage.push(item.damage)
    else out.complete = item.complete
  }
  return out as CollectedTrace
}
