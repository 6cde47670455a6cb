import type { Command } from 'commander'
import { describeDamage, traceItems } from '@mmsim/trace'
import { num } from '@mmsim/analysis'
import { formatEventCounts, jsonDocument } from '@mmsim/report'
import { inputTrace } from '../inputTrace.ts'
import type { CliIo } from '../cliIo.ts'

/** info - `mmsim info TRACE`: what a trace file says about itself, and whether it is intact. */
export function register(program: Command, io: CliIo): void {
  program
    .command('info')
    .description('show a trace file\'s header, index and integrity (every frame checksum is verified)')
    .argument('<trace>', '.mmtrace file (- for stdin)')
    .option('--json', 'print as JSON (docs/schemas/info.schema.json)')
    .action(async (trace: string, o: { json?: boolean }) => {
      const info: Record<string, unknown> = { file: trace }
      const byType: Record<string, number> = {}
      const damage: string[] = []
      let names: string[] = []
      const input = await inputTrace(trace, io)
      try {
        for await (const item of traceItems(input.path, { salvage: true })) {
          if (item.kind === 'header') {
            const h = item.header
            names = h.structures.map((s) => s.type)
            Object.assign(info, {
              formatVersion: h.version, pageSize: h.pageSize, source: h.source, frameEvents: h.frameEvents, eventTypes: names.length,
              bytes: item.fileSize, index: item.index === null ? null : { frames: item.index.offsets.length, events: item.index.total },
            })
          } else if (item.kind === 'frame') {
            const t = item.frame.types
            for (let i = 0; i < item.frame.count; i++) {
              const name = names[t[i]!] ?? `#${t[i]}`
              byType[name] = (byType[name] ?? 0) + 1
            }
          } else if (item.kind === 'damage') damage.push(describeDamage(trace, item.damage))
          else Object.assign(info, { frames: item.frames, events: item.events, complete: item.complete })
        }
      } finally {
        input.cleanup()
      }
      info.eventsByType = Object.fromEntries(Object.entries(byType).sort())
      info.damage = damage
      if (o.json) io.stdout.write(jsonDocument('info', info))
      else {
        const src = info.source as { kind: string; name?: string; detail?: string }
        const idx = info.index as { frames: number; events: number } | null
        const lines = [
          `trace        ${trace}`,
          `format       mmtrace v${String(info.formatVersion)}, page size ${String(info.pageSize)}, ${String(info.eventTypes)} event types, ${String(info.frameEvents)} events per frame`,
          `source       ${[src.kind, src.name, src.detail].filter(Boolean).join(' ')}`,
          `size         ${num(Number(info.bytes))} bytes`,
          `index        ${idx === null ? 'missing (the recording was cut off, or the tail is damaged)' : `${num(idx.frames)} frames, ${num(idx.events)} events`}`,
          `read         ${num(Number(info.frames))} frames, ${num(Number(info.events))} events${info.complete ? ', intact' : ''}`,
          ...damage.map((d) => `damage       ${d}`),
          'events by type',
          ...formatEventCounts(info.eventsByType as Record<string, number>, false),
        ]
        io.stdout.write(lines.join('\n') + '\n')
      }
      if (damage.length > 0) io.exitCode = 1
    })
}
