import { createReadStream, closeSync, openSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { validateEvent, type MmEvent } from '@mmsim/core'
import { TraceInputError } from './errors/traceInputError.ts'
import { TraceOpenError } from './errors/traceOpenError.ts'
import type { TraceSource } from './traceWriter.ts'

/** JSONL_FORMAT - the first line of a JSONL trace: {"format":"mmsim-trace-jsonl/1","source":{…}}. */
const JSONL_FORMAT = 'mmsim-trace-jsonl/1'

/**
 * jsonlEvents - the events of a hand-written JSONL trace, one JSON object per line (blank lines and lines
 * starting with `//` are skipped; the header line is optional). Throws TraceInputError `file:line: reason`
 * at the first bad line.
 */
export async function* jsonlEvents(file: string, onSource?: (s: TraceSource) => void): AsyncGenerator<MmEvent> {
  const stream = createReadStream(file, { encoding: 'utf8' })
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (e: NodeJS.ErrnoException) => reject(new TraceOpenError(file, e.code ?? e.message)))
  })
  await opened
  const rl = createInterface({ input: stream, crlfDelay: Infinity })
  let line = 0
  for await (const text of rl) {
    line++
    const t = text.trim()
    if (t === '' || t.startsWith('//')) continue
    let x: unknown
    try {
      x = JSON.parse(t)
    } catch (e) {
      throw new TraceInputError(file, line, `not valid JSON (${(e as Error).message})`)
    }
    if (typeof x === 'object' && x !== null && 'format' in x) {
      const h = x as { format: unknown; source?: TraceSource }
      if (h.format !== JSONL_FORMAT) throw new TraceInputError(file, line, `unsupported format ${JSON.stringify(h.format)}, expected "${JSONL_FORMAT}"`)
      if (h.source !== undefined) onSource?.(h.source)
      continue
    }
    const e = validateEvent(x)
    if (typeof e === 'string') throw new TraceInputError(file, line, e)
    yield e
  }
}

/** JsonlWriter - writes a JSONL trace: a header line, then one event per line. */
export class JsonlWriter {
  private readonly fd: number
  private buf: string[] = []

  constructor(readonly path: string, source: TraceSource) {
    this.fd = openSync(path, 'w')
    this.buf.push(JSON.stringify({ format: JSONL_FORMAT, source }))
  }

  write(e: MmEvent): void {
    this.buf.push(JSON.stringify(e))
    if (this.buf.length >= 4096) this.flush()
  }

  private flush(): void {
    if (this.buf.length === 0) return
    writeSync(this.fd, this.buf.join('\n') + '\n')
    this.buf = []
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}
