import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseScenario, type ParsedScenario } from '@mmsim/kernel'
import { loadPlugin, type AnyStrategy } from '@mmsim/strategies'

/** corpusFile - the path of corpus file @name (under traces/scenarios). */
export function corpusFile(name: string): string {
  return fileURLToPath(new URL(`../../../traces/scenarios/${name}`, import.meta.url))
}

/** corpusScenario - corpus scenario @name parsed; @edit may rewrite its text first (derived scenarios). */
export function corpusScenario(name: string, edit: (text: string) => string = (t) => t): ParsedScenario {
  const file = corpusFile(`${name}.scenario`)
  return parseScenario(edit(readFileSync(file, 'utf8')), file)
}

/** brokenPmdSplit - the deliberately broken example plugin (forgets the PMD decrement on pmd/remapped). */
export async function brokenPmdSplit(): Promise<AnyStrategy> {
  const [st] = await loadPlugin(fileURLToPath(new URL('../../strategies/examples/brokenPmdSplit.js', import.meta.url)))
  return st!
}
