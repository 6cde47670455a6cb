import { closeSync, openSync, writeSync } from 'node:fs'

/** FLUSH_CHARS - the writer hands its buffer to the file once it holds this many characters. */
const FLUSH_CHARS = 1 << 20

/**
 * TraceEventWriter - a Chrome trace-event JSON file (`{"displayTimeUnit":…,"otherData":…,"traceEvents":[…]}`)
 * written as it goes: events are appended to a string buffer of at most about 1 MiB that is flushed with
 * writeSync, so memory stays bounded whatever the number of events. The object format (not the bare
 * array) is used so that `otherData` can say what the time axis means; `traceEvents` comes last, which
 * both Perfetto and chrome://tracing accept.
 */
export class TraceEventWriter {
  private readonly fd: number
  private buf = ''
  private first = true
  /** events written so far */
  count = 0
  /** characters written so far */
  chars = 0

  constructor(path: string, otherData: Record<string, unknown>) {
    this.fd = openSync(path, 'w')
    this.buf = `{"displayTimeUnit":"ms","otherData":${JSON.stringify(otherData)},"traceEvents":[\n`
  }

  /** raw - append one already-serialized event object @json. */
  raw(json: string): void {
    this.buf += this.first ? json : ',\n' + json
    this.first = false
    this.count++
    if (this.buf.length >= FLUSH_CHARS) this.flush()
  }

  /** counter - a "C" event: counter @name of process @pid at time @ts, one series @key = @value. */
  counter(pid: number, ts: number, name: string, key: string, value: number): void {
    this.raw(`{"ph":"C","pid":${pid},"tid":0,"ts":${ts},"name":${JSON.stringify(name)},"args":{${JSON.stringify(key)}:${value}}}`)
  }

  /** instant - an "i" event at @ts with scope @scope (g global, p process, t thread) and @args. */
  instant(pid: number, tid: number, ts: number, scope: 'g' | 'p' | 't', name: string, args: Record<string, unknown>): void {
    this.raw(`{"ph":"i","s":"${scope}","pid":${pid},"tid":${tid},"ts":${ts},"name":${JSON.stringify(name)},"args":${JSON.stringify(args)}}`)
  }

  /** meta - an "M" metadata event (@what: process_name, thread_name, process_sort_index, …). */
  meta(what: string, pid: number, tid: number, args: Record<string, unknown>): void {
    this.raw(`{"ph":"M","pid":${pid},"tid":${tid},"name":"${what}","args":${JSON.stringify(args)}}`)
  }

  private flush(): void {
    if (this.buf.length === 0) return
    this.chars += this.buf.length
    writeSync(this.fd, this.buf)
    this.buf = ''
  }

  /** close - end the JSON document and close the file. */
  close(): void {
    this.buf += '\n]}\n'
    this.flush()
    closeSync(this.fd)
  }

  /** abandon - close the file without ending the document (after an error). */
  abandon(): void {
    try {
      closeSync(this.fd)
    } catch {
      /* already closed */
    }
  }
}
