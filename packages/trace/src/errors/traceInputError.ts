import { TraceError } from './traceError.ts'

/** TraceInputError - a line of a hand-written JSONL trace is wrong: `file:line: reason`. */
export class TraceInputError extends TraceError {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'TraceInputError'
  }
}
