import { TraceError } from './traceError.ts'

/** NotATraceError - the file does not start with the `.mmtrace` magic. */
export class NotATraceError extends TraceError {
  constructor(readonly file: string, found: string) {
    super(`${file}: not an mmsim trace (expected 'MMTRACE1' at byte 0, found ${found})`)
    this.name = 'NotATraceError'
  }
}
