import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { MmEvent } from '@mmsim/core'
import { parseScenario, simulateScenario } from '@mmsim/kernel'

/** CorpusStream - the events the simulated kernel records for one corpus scenario. */
export interface CorpusStream {
  name: string
  events: readonly MmEvent[]
}

/**
 * corpusEvents - every `.scenario` of @dir run through the simulated kernel (a test kit: the schemes'
 * contract and observation tests replay the corpus; `@mmsim/kernel` is a devDependency of this package,
 * a sibling layer, never imported by the schemes themselves). Scenarios the simulator refuses as a
 * whole are left out and named in @skipped.
 */
export async function corpusEvents(dir: string): Promise<{ streams: CorpusStream[]; skipped: string[]; reason: string | null }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.scenario')).sort()
  const streams: CorpusStream[] = []
  const skipped: string[] = []
  for (const f of files) {
    try {
      streams.push({ name: f, events: simulateScenario(parseScenario(await readFile(join(dir, f), 'utf8'), f)).events })
    } catch (err) {
      skipped.push(`${f}: ${String(err).split('\n')[0]}`)
    }
  }
  return { streams, skipped, reason: null }
}
