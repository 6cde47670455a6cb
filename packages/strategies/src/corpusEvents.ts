import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { MmEvent } from '@mmsim/core'

/** CorpusStream - the events the simulated kernel records for one corpus scenario. */
export interface CorpusStream {
  name: string
  events: readonly MmEvent[]
}

interface KernelSim {
  parseScenario(text: string, file: string): unknown
  simulateScenario?: (s: never) => { events: MmEvent[] }
  recordScenario?: (s: never) => { events: MmEvent[] } | MmEvent[]
}

/**
 * corpusEvents - every `.scenario` of @dir run through the simulated kernel of `@mmsim/kernel`, once that
 * package exports it (`simulateScenario` or `recordScenario`); an empty list (and @reason) until then.
 * Scenarios the simulator refuses as a whole are left out and named in @skipped.
 */
export async function corpusEvents(dir: string): Promise<{ streams: CorpusStream[]; skipped: string[]; reason: string | null }> {
  let k: KernelSim
  try {
    k = (await import('@mmsim/kernel')) as unknown as KernelSim
  } catch (err) {
    return { streams: [], skipped: [], reason: `@mmsim/kernel does not load: ${String(err)}` }
  }
  const sim = k.simulateScenario ?? k.recordScenario
  if (typeof sim !== 'function') return { streams: [], skipped: [], reason: '@mmsim/kernel exports no simulated kernel yet' }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.scenario')).sort()
  const streams: CorpusStream[] = []
  const skipped: string[] = []
  for (const f of files) {
    try {
      const parsed = k.parseScenario(await readFile(join(dir, f), 'utf8'), f)
      const r = sim(parsed as never)
      streams.push({ name: f, events: Array.isArray(r) ? r : r.events })
    } catch (err) {
      skipped.push(`${f}: ${String(err).split('\n')[0]}`)
    }
  }
  return { streams, skipped, reason: null }
}
