/**
 * TraceError - a trace file (or JSONL file) the user gave us is not usable; @userMessage is one line
 * naming the file and the byte offset or line, printed without a stack trace.
 */
export class TraceError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage)
    this.name = 'TraceError'
  }
}
