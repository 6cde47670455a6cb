import { readFileSync } from 'node:fs'
import {
  FatalScenarioError, parseScenario, runScenario, simulateScenario,
  type EventSink, type PageObserver, type ParsedScenario, type SimResult, type SimRun,
} from '@mmsim/kernel'
import { inCwd, stdinBytes, type InputIo } from '../cliIo.ts'
import { UserError } from '../userError.ts'

/**
 * readScenarioText - the text of scenario @file (relative to @io.cwd; `-`: @io.stdin); an unreadable file
 * is a UserError `cannot read FILE: CODE` (`stdin` for `-`).
 */
export async function readScenarioText(file: string, io: InputIo): Promise<string> {
  try {
    return file === '-' ? (await stdinBytes(io)).toString('utf8') : readFileSync(inCwd(io, file), 'utf8')
  } catch (e) {
    throw new UserError(`cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/**
 * readParsedScenario - read and parse scenario @file (relative to @io.cwd; `-`: @io.stdin, named `stdin`
 * in messages); unreadable files and parse errors become UserErrors.
 */
export async function readParsedScenario(file: string, io: InputIo): Promise<ParsedScenario> {
  const name = file === '-' ? 'stdin' : file
  const text = await readScenarioText(file, io)
  try {
    return parseScenario(text, name)
  } catch (e) {
    throw new UserError((e as Error).message)
  }
}

/** simulate - run @s on the simulated kernel (with @observer riding along); a refused fork becomes a UserError. */
export function simulate(s: ParsedScenario, observer: PageObserver | null = null): SimResult {
  try {
    return simulateScenario(s, observer)
  } catch (e) {
    if (e instanceof FatalScenarioError) throw new UserError(e.message)
    throw e
  }
}

/** simulateTo - run @s on the simulated kernel, handing each event to @sink as it is emitted (none kept); a refused fork becomes a UserError. */
export function simulateTo(s: ParsedScenario, sink: EventSink, observer: PageObserver | null = null): SimRun {
  try {
    return runScenario(s, sink, observer)
  } catch (e) {
    if (e instanceof FatalScenarioError) throw new UserError(e.message)
    throw e
  }
}
