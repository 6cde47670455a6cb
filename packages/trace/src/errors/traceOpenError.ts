import { TraceError } from './traceError.ts'

/** TraceOpenError - the file cannot be opened or read at all. */
export class TraceOpenError extends TraceError {
  constructor(readonly file: string, code: string) {
    super(`${file}: cannot open (${code})`)
    this.name = 'TraceOpenError'
  }
}
