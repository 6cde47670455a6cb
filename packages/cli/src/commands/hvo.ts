import type { Command } from 'commander'
import { bytesText, HVO_SIZES, hvoReport, parseHvoPool, table, type HvoReport, type HvoSize } from '@mmsim/analysis'
import { HVO_KERNELS, type HvoKernel } from '@mmsim/core'
import { jsonDocument } from '@mmsim/report'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface HvoOptions { size: string; pool: string; kernel: string; json?: boolean }

/** parseHvoOptions - `mmsim hvo`'s options as (kernel, size, huge pages); a bad value is a one-line UserError. */
export function parseHvoOptions(o: HvoOptions): { kernel: HvoKernel; size: HvoSize; hugePages: number } {
  if (!(o.size in HVO_SIZES)) throw new UserError(`--size ${o.size}: want 2M or 1G`)
  if (!(HVO_KERNELS as readonly string[]).includes(o.kernel)) throw new UserError(`--kernel ${o.kernel}: want ${HVO_KERNELS.join(' or ')}`)
  const size = o.size as HvoSize
  const n = parseHvoPool(o.pool, size)
  if (typeof n === 'string') throw new UserError(n)
  return { kernel: o.kernel as HvoKernel, size, hugePages: n }
}

/**
 * formatHvo - the text report of @r: the derivation lines, what the seed post says, then the same pool (in
 * bytes) for each kernel and size, the seed's table.
 */
export function formatHvo(r: HvoReport): string[] {
  const rows: HvoReport[] = []
  for (const k of HVO_KERNELS) {
    for (const s of Object.keys(HVO_SIZES) as HvoSize[]) {
      const hp = 2 ** HVO_SIZES[s] * 4096
      if (r.pool.bytes % hp === 0) rows.push(hvoReport(k, s, r.pool.bytes / hp))
    }
  }
  const frac = (p: number): number | string => (Number.isInteger(p) ? p : String(+p.toFixed(4)))
  const pt = (p: number): string => (Number.isInteger(p) ? String(p) : `1/${Math.round(1 / p)}`)
  return [
    `HVO on ${r.kernel === 'v7' ? 'the v7 series (seed 002)' : 'Linux 6.18'}: a pool of ${r.pool.hugePages} ${r.size} pages (${bytesText(r.pool.bytes)})`,
    '',
    ...r.derivation.map((l) => `  ${l}`),
    ...(r.seed.length ? ['', 'the seed:', ...r.seed.map((s) => `  ${s.claim}: ${s.note}`)] : []),
    '',
    `the same ${bytesText(r.pool.bytes)} pool per kernel and size (per huge page; saved: contiguous pool, worst: a PTE table per huge page):`,
    ...table(
      [{ title: 'kernel' }, { title: 'size' }, { title: 'vmemmap', align: 'right' }, { title: 'kept', align: 'right' },
        { title: 'freed', align: 'right' }, { title: 'PTE tables', align: 'right' }, { title: 'saved', align: 'right' },
        { title: 'pool saved', align: 'right' }, { title: 'worst', align: 'right' }],
      rows.map((x) => [x.kernel, x.size, x.vmemmapPagesPerHugePage, x.keptPerHugePage, x.freedPerHugePage,
        pt(x.pageTablePagesPerHugePage.best), frac(x.savedPagesPerHugePage), bytesText(x.savedBytes), bytesText(x.savedBytesWorst)]),
    ),
  ]
}

/** hvo - `mmsim hvo [--size 2M|1G] [--pool N|SIZE] [--kernel v7|6.18] [--json]`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('hvo')
    .description('HugeTLB Vmemmap Optimization accounting: vmemmap pages per huge page, freed, kept, page tables, bytes saved, allocation/free work')
    .option('--size <size>', 'HugeTLB page size: 2M or 1G', '2M')
    .option('--pool <n>', 'pool: a count of huge pages or a size (1024G, 512M, 1T)', '1024G')
    .option('--kernel <k>', `HVO of: ${HVO_KERNELS.join(' or ')}`, '6.18')
    .option('--json', 'print as JSON (format mmsim-hvo/1)')
    .action((o: HvoOptions) => {
      const p = parseHvoOptions(o)
      const r = hvoReport(p.kernel, p.size, p.hugePages)
      if (o.json) io.stdout.write(jsonDocument('hvo', r))
      else io.stdout.write(formatHvo(r).join('\n') + '\n')
    })
}
