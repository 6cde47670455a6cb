import { TraceError } from './traceError.ts'

/** TraceHeaderError - the header is damaged or from an unsupported format version; nothing can be read. */
export class TraceHeaderError extends TraceError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: bad trace header at byte 0: ${reason}`)
    this.name = 'TraceHeaderError'
  }
}
