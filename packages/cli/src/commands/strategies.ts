import type { Command } from 'commander'
import { DEFAULT_STRATEGY_ID, loadStrategies, PROPOSALS, STRATEGIES, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { wrap } from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

/** strategies - `mmsim strategies`: the mapcount schemes, their kernels, what they write and their HugeTLB rules. */
export function register(program: Command, io: CliIo): void {
  program
    .command('strategies')
    .description('list the mapcount schemes (strategy ids for --strategy) with their kernel versions and the struct page words they write')
    .option('--json', 'print as JSON (docs/schemas/strategies.schema.json)')
    .option('--plugin <path>', 'also describe the strategy plugin module at <path>')
    .action(async (o: { json?: boolean; plugin?: string }) => {
      let list: AnyStrategy[] = [...STRATEGIES, ...PROPOSALS]
      if (o.plugin !== undefined) {
        try {
          list = list.concat(await loadStrategies(o.plugin, io.cwd))
        } catch (err) {
          if (err instanceof StrategyLoadError) throw new UserError(err.message)
          throw err
        }
      }
      if (o.json) {
        const doc = list.map((s) => ({ id: s.id, ...s.description, precision: s.precision, default: s.id === DEFAULT_STRATEGY_ID }))
        io.stdout.write(jsonDocument('strategies', { strategies: doc }))
        return
      }
      const w = Math.max(...list.map((s) => s.id.length)) + 2
      const out: string[] = []
      for (const s of list) {
        const d = s.description
        out.push(`${s.id.padEnd(w)}${d.kernels}${s.id === DEFAULT_STRATEGY_ID ? '   (this machine: 6.18)' : ''}`)
        // descriptions wrap to 120 columns, continuation lines under the text they continue
        out.push(...wrap(`${''.padEnd(w)}${d.summary}`, undefined, ''.padEnd(w + 4)))
        for (const [where, words] of Object.entries(d.words)) out.push(...wrap(`${''.padEnd(w)}  ${where}: ${words}`, undefined, ''.padEnd(w + 4 + where.length)))
        out.push(...wrap(`${''.padEnd(w)}  HugeTLB: ${d.hugetlb}`, undefined, ''.padEnd(w + 11)))
        if (d.source !== undefined) out.push(...wrap(`${''.padEnd(w)}  from: ${d.source}`, undefined, ''.padEnd(w + 8)))
        out.push(`${''.padEnd(w)}  mapped-shared answer: ${s.precision.mappedShared}; deferred-split answer: ${s.precision.partiallyMapped}`)
        const p = s.precision
        const below = (['folioMapcount', 'entireMapcount', 'pageMapcount', 'kpagecount', 'nrPagesMapped'] as const).filter((q) => p[q] !== undefined && p[q] !== 'exact')
        if (below.length > 0) out.push(...wrap(`${''.padEnd(w)}  not exact: ${below.map((q) => `${q} ${p[q]}`).join(', ')}`, undefined, ''.padEnd(w + 4)))
        if (p.hgm !== undefined) {
          const h = Object.entries(p.hgm).map(([q, v]) => `${q} ${v}`).join(', ')
          out.push(...wrap(`${''.padEnd(w)}  on HugeTLB folios mapped by HGM entries: ${h}`, undefined, ''.padEnd(w + 4)))
        }
      }
      out.push('')
      out.push('use: mmsim replay TRACE --strategy all | proposals | <id>[,<id>…] | ./my-scheme.js')
      io.stdout.write(out.join('\n') + '\n')
    })
}
