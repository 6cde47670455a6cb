import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_FRAME_EVENTS, FILE_MAGIC, jsonlEvents, optionalStructures, TraceWriter, type TraceSource } from '@mmsim/trace'
import { inCwd, type InputIo } from './cliIo.ts'
import { UserError } from './userError.ts'

/** InputTrace - the `.mmtrace` to read for a command-line argument; @cleanup removes what was made for it. */
export interface InputTrace {
  path: string
  cleanup(): void
}

/**
 * inputTrace - the `.mmtrace` behind argument @arg (relative to @io.cwd): the file itself; for `-`
 * (@io.stdin), a pipe or a device, its bytes spooled to a temporary file first (the reader needs a file it
 * can re-read); and a JSONL trace (a `.jsonl` name, or content that is not an .mmtrace) converted event by
 * event into a temporary `.mmtrace` (JSONL errors are thrown as one-line TraceInputErrors).
 */
export async function inputTrace(arg: string, io: InputIo): Promise<InputTrace> {
  const dirs: string[] = []
  const cleanup = (): void => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  const temp = (name: string): string => {
    const d = mkdtempSync(join(tmpdir(), 'mmsim-'))
    dirs.push(d)
    return join(d, name)
  }
  try {
    const given = inCwd(io, arg)
    let path = given
    if (arg === '-' || !isRegularFile(given)) {
      path = temp('stdin')
      const stdin = arg === '-' ? io.stdin : null
      if (Buffer.isBuffer(stdin)) writeFileSync(path, stdin)
      else await pipeline(stdin ?? createReadStream(given), createWriteStream(path))
    }
    const jsonl = arg.endsWith('.jsonl') || (path !== given && !startsWithMagic(path))
    if (!jsonl) return { path, cleanup }
    const out = temp('input.mmtrace')
    let source: TraceSource = { kind: 'jsonl', name: arg === '-' ? 'stdin' : arg }
    let w: TraceWriter | null = null
    // a JSONL file may hold any type: declare the optional ones too
    const open = (): TraceWriter => new TraceWriter(out, source, DEFAULT_FRAME_EVENTS, optionalStructures('all'))
    for await (const e of jsonlEvents(path, (s) => (source = s))) {
      w ??= open()
      w.write(e)
    }
    ;(w ?? open()).close()
    return { path: out, cleanup }
  } catch (e) {
    cleanup()
    const code = (e as NodeJS.ErrnoException).code
    if (code !== undefined && !(e instanceof UserError) && !('userMessage' in (e as object))) throw new UserError(`cannot read ${arg === '-' ? 'stdin' : arg}: ${code}`)
    throw e
  }
}

/** isRegularFile - @path names a regular file (a missing one counts as regular: the reader reports it). */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return true
  }
}

function startsWithMagic(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(FILE_MAGIC.length)
    return readSync(fd, b, 0, b.length, 0) === b.length && b.toString('latin1') === FILE_MAGIC
  } finally {
    closeSync(fd)
  }
}
