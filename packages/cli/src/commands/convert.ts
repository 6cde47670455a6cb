import type { Command } from 'commander'
import type { MmEvent } from '@mmsim/core'
import { describeDamage, JsonlWriter, optionalStructures, traceItems, TraceWriter, unbatchEvent, type EventDecoder, type TraceSource } from '@mmsim/trace'
import { inputTrace } from '../inputTrace.ts'
import { outputFile } from '../outputFile.ts'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

const kindOf = (p: string): 'mmtrace' | 'jsonl' | null => (p.endsWith('.mmtrace') ? 'mmtrace' : p.endsWith('.jsonl') ? 'jsonl' : null)

interface ConvertFlags {
  salvage?: boolean
  frameEvents: string
  to?: string
  unbatch?: boolean
}

/**
 * convert - `mmsim convert IN OUT`: .mmtrace <-> .jsonl (so traces can be written and read by hand). Streams
 * frame by frame, so a trace of any size converts in bounded memory; `-` is stdin / stdout (the output
 * format then comes from --to); the output appears only when complete (written beside it, then renamed).
 * `--unbatch` writes every batched PTE-level rmap event as single-page events (trace/unbatch.ts), so the
 * same trace can be replayed as a kernel without rmap batching would have made it.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('convert')
    .description('convert a trace between .mmtrace and .jsonl (the format follows the file extensions; - is stdin/stdout)')
    .argument('<in>', 'input trace (.mmtrace or .jsonl, or - for stdin: the format is recognised by content)')
    .argument('<out>', 'output trace (.mmtrace or .jsonl, or - for stdout with --to)')
    .option('--to <format>', 'output format when it cannot be told from the name: mmtrace or jsonl')
    .option('--salvage', 'skip damaged frames of a damaged .mmtrace input')
    .option('--frame-events <n>', 'events per frame of a .mmtrace output', '4096')
    .option('--unbatch', 'split every batched PTE-level rmap event (nrPages > 1) into single-page events')
    .action(async (input: string, output: string, o: ConvertFlags) => {
      if (o.to !== undefined && o.to !== 'mmtrace' && o.to !== 'jsonl') throw new UserError(`--to: expected mmtrace or jsonl, got '${o.to}'`)
      const ko = (o.to as 'mmtrace' | 'jsonl' | undefined) ?? kindOf(output)
      if (ko === null) throw new UserError(`cannot tell the format of '${output}': expected a .mmtrace or .jsonl extension (or --to)`)
      if (input !== '-' && kindOf(input) === null) throw new UserError(`cannot tell the format of '${input}': expected a .mmtrace or .jsonl extension`)
      const frameEvents = Number(o.frameEvents)
      if (!Number.isInteger(frameEvents) || frameEvents < 1 || frameEvents > 1 << 20) throw new UserError(`--frame-events: expected an integer from 1 to 1048576, got '${o.frameEvents}'`)
      const out = outputFile(output, io, [input])
      const t = await inputTrace(input, io)
      let writer: { write(e: MmEvent): void; close(): unknown } | null = null
      // an .mmtrace output declares the optional event types (folio/splitFailed) its input declared
      const open = (source: TraceSource, types: string[]) => (ko === 'jsonl' ? new JsonlWriter(out.path, source) : new TraceWriter(out.path, source, frameEvents, optionalStructures(types)))
      let events = 0
      let read = 0
      let damaged = false
      const write = (e: MmEvent): void => writer!.write(e)
      const unknown = new Map<string, number>()
      try {
        let dec: EventDecoder | null = null
        for await (const item of traceItems(t.path, { salvage: o.salvage ?? false })) {
          if (item.kind === 'header') {
            dec = item.decoder
            writer = open(item.header.source, item.header.structures.map((st) => st.type))
          } else if (item.kind === 'frame') {
            dec!.forEach(
              item.frame,
              (e) => {
                read++
                if (o.unbatch) events += unbatchEvent(e, write)
                else {
                  writer!.write(e)
                  events++
                }
                return false
              },
              (name) => unknown.set(name, (unknown.get(name) ?? 0) + 1),
            )
          } else if (item.kind === 'damage') {
            io.stderr.write(`mmsim: ${describeDamage(input, item.damage)}\n`)
            damaged = true
          }
        }
        writer?.close()
        await out.commit()
      } catch (e) {
        out.discard()
        throw e
      } finally {
        t.cleanup()
      }
      for (const [name, n] of unknown) {
        io.stderr.write(`mmsim: ${input}: ${n} events of unknown type '${name}' (from a newer mmsim?) were not converted\n`)
        damaged = true
      }
      const split = o.unbatch ? ` (${read.toLocaleString('en-US')} before --unbatch)` : ''
      if (output !== '-') io.stdout.write(`${output}: ${events.toLocaleString('en-US')} events${split}\n`)
      else io.stderr.write(`mmsim convert: ${events.toLocaleString('en-US')} events${split}\n`)
      if (damaged) io.exitCode = 1
    })
}
