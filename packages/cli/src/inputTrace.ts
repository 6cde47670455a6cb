import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jsonlEvents, TraceWriter, type TraceSource } from '@mmsim/trace'

/**
 * inputTrace - a `.mmtrace` path for @path: the file itself, or for a `.jsonl` file a temporary
 * `.mmtrace` converted from it (JSONL errors are thrown as one-line TraceInputErrors).
 */
export async function inputTrace(path: string): Promise<{ path: string; cleanup(): void }> {
  if (!path.endsWith('.jsonl')) return { path, cleanup: () => {} }
  const dir = mkdtempSync(join(tmpdir(), 'mmsim-'))
  const out = join(dir, 'input.mmtrace')
  const events = []
  let source: TraceSource = { kind: 'jsonl', name: path }
  for await (const e of jsonlEvents(path, (s) => (source = s))) events.push(e)
  const w = new TraceWriter(out, source)
  w.writeAll(events)
  w.close()
  return { path: out, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
