import { fileURLToPath } from 'node:url'
import { describeStrategyContract } from '@mmsim/testing'
import { corpusEvents } from './corpusEvents.testkit.ts'
import { PROPOSALS, STRATEGIES } from './registry.ts'

const corpusDir = fileURLToPath(new URL('../../../traces/scenarios/', import.meta.url))
let corpus: ReturnType<typeof corpusEvents> | undefined
const loadCorpus = async () => {
  corpus ??= corpusEvents(corpusDir)
  const c = await corpus
  if (c.reason !== null) return null // the simulated kernel has not landed: the corpus case is skipped
  return c.streams
}

for (const s of [...STRATEGIES, ...PROPOSALS]) describeStrategyContract(() => s, { runs: 15, events: 400, corpus: loadCorpus })
