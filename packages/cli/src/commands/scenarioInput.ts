import { readFileSync } from 'node:fs'
import {
  FatalScenarioError, parseScenario, runScenario, simulateScenario,
  type EventSink, type PageObserver, type ParsedScenario, type SimResult, type SimRun,
} from '@mmsim/kernel'
import { UserError } from '../userError.ts'

/**
 * readParsedScenario - read and parse scenario @file (`-`: stdin, named `stdin` in messages); unreadable
 * files and parse errors become UserErrors.
 */
export function readParsedScenario(file: string): ParsedScenario {
  const name = file === '-' ? 'stdin' : file
  let text: string
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (e) {
    throw new UserError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
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
