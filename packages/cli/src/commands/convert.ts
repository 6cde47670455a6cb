import type { Command } from 'commander'
import { collectTrace, describeDamage, jsonlEvents, JsonlWriter, TraceWriter, type TraceSource } from '@mmsim/trace'
import { UserError } from '../userError.ts'

const kindOf = (p: string): 'mmtrace' | 'jsonl' | null => (p.endsWith('.mmtrace') ? 'mmtrace' : p.endsWith('.jsonl') ? 'jsonl' : null)

/** convert - `mmsim convert IN OUT`: .mmtrace <-> .jsonl (so traces can be written and read by hand). */
export function register(program: Command): void {
  program
    .command('convert')
    .description('convert a trace between .mmtrace and .jsonl (the format follows the file extensions)')
    .argument('<in>', 'input trace (.mmtrace or .jsonl)')
    .argument('<out>', 'output trace (.mmtrace or .jsonl)')
    .option('--salvage', 'skip damaged frames of a damaged .mmtrace input')
    .option('--frame-events <n>', 'events per frame of a .mmtrace output', '4096')
    .action(async (input: string, output: string, o: { salvage?: boolean; frameEvents: string }) => {
      const ki = kindOf(input)
      const ko = kindOf(output)
      if (ki === null || ko === null) throw new UserError(`cannot tell the format of '${ki === null ? input : output}': expected a .mmtrace or .jsonl extension`)
      const frameEvents = Number(o.frameEvents)
      if (!Number.isInteger(frameEvents) || frameEvents < 1 || frameEvents > 1 << 20) throw new UserError(`--frame-events: expected an integer from 1 to 1048576, got '${o.frameEvents}'`)
      let source: TraceSource = { kind: 'jsonl', name: input }
      const events = []
      let damaged = false
      if (ki === 'jsonl') {
        for await (const e of jsonlEvents(input, (s) => (source = s))) events.push(e)
      } else {
        const t = await collectTrace(input, { salvage: o.salvage ?? false })
        source = t.header.source
        events.push(...t.events)
        for (const d of t.damage) {
          process.stderr.write(`mmsim: ${describeDamage(input, d)}\n`)
          damaged = true
        }
        for (const [name, n] of Object.entries(t.unknown)) {
          process.stderr.write(`mmsim: ${input}: ${n} events of unknown type '${name}' (from a newer mmsim?) were not converted\n`)
          damaged = true
        }
      }
      if (ko === 'jsonl') {
        const w = new JsonlWriter(output, source)
        for (const e of events) w.write(e)
        w.close()
      } else {
        const w = new TraceWriter(output, source, frameEvents)
        w.writeAll(events)
        w.close()
      }
      process.stdout.write(`${output}: ${events.length.toLocaleString('en-US')} events\n`)
      if (damaged) process.exitCode = 1
    })
}
