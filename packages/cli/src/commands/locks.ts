import type { Command } from 'commander'
import {
  FAULT_PATTERNS, HUGE_PAGE_SIZES, LOCK_DEFAULTS, num, simulateLocks, table,
  type FaultPattern, type HugePageSize, type LockReport,
} from '@mmsim/analysis'
import { jsonDocument } from '@mmsim/report'
import { UserError } from '../userError.ts'
import type { CliIo } from '../cliIo.ts'

interface LocksOptions {
  vcpus: string; page: string; pattern: string; faults: string; seed: string; guestGib: string
  workNs: string; ptlHoldNs: string; vmaHoldNs: string; json?: boolean
}

function int(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UserError(`--${name} ${text}: want an integer in [${num(min)}, ${num(max)}]`)
  return n
}

/** parseLocksOptions - the model of `mmsim locks`' options; a bad value is a one-line UserError. */
export function parseLocksOptions(o: LocksOptions): Parameters<typeof simulateLocks>[0] {
  if (!(o.page in HUGE_PAGE_SIZES)) throw new UserError(`--page ${o.page}: want 2M or 1G`)
  if (!(FAULT_PATTERNS as readonly string[]).includes(o.pattern)) throw new UserError(`--pattern ${o.pattern}: want one of ${FAULT_PATTERNS.join(', ')}`)
  const vcpus = int('vcpus', o.vcpus, 1, 4096)
  const faults = int('faults', o.faults, 1, 1_000_000)
  if (vcpus * faults > 10_000_000) throw new UserError(`--vcpus × --faults = ${num(vcpus * faults)}: at most 10,000,000 faults per run`)
  return {
    vcpus, faults, page: o.page as HugePageSize, pattern: o.pattern as FaultPattern,
    seed: int('seed', o.seed, 0, 2 ** 32 - 1), guestBytes: int('guest-gib', o.guestGib, 1, 1 << 20) * 2 ** 30,
    workNs: int('work-ns', o.workNs, 0, 1e9), ptlHoldNs: int('ptl-hold-ns', o.ptlHoldNs, 1, 1e9), vmaHoldNs: int('vma-hold-ns', o.vmaHoldNs, 1, 1e9),
  }
}

/** formatLocks - the text report of @r: the model in two lines, then one row per design. */
export function formatLocks(r: LockReport): string[] {
  const m = r.model
  const us = (ns: number): string => `${(ns / 1000).toFixed(1)} µs`
  return [
    `${num(m.vcpus)} vCPUs × ${num(m.faults)} 4K UFFDIO_CONTINUE faults, ${m.pattern}, ${num(m.guestBytes / 2 ** 30)} GiB guest of ${m.page} pages, seed ${m.seed}`,
    `each fault: ${num(m.workNs)} ns outside the lock, then the lock held ${num(m.ptlHoldNs)} ns (page-table locks) or ${num(m.vmaHoldNs)} ns (VMA lock); FIFO locks`,
    '',
    ...table(
      [{ title: 'design' }, { title: 'lock' }, { title: 'locks', align: 'right' }, { title: 'acquisitions', align: 'right' },
        { title: 'contended', align: 'right' }, { title: 'max queue', align: 'right' }, { title: 'wait fraction', align: 'right' },
        { title: 'total', align: 'right' }, { title: 'uncontended', align: 'right' }],
      r.designs.map((d) => [d.design, d.lock, d.locks, d.acquisitions, d.contended, d.maxQueue, d.waitFraction.toFixed(3), us(d.totalNs), us(d.uncontendedNs)]),
    ),
  ]
}

/** locks - `mmsim locks [--vcpus N] [--page 2M|1G] [--pattern P] [--faults M] [--seed S] [--json]`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('locks')
    .description('discrete-event model of N vCPUs resolving 4K UFFDIO_CONTINUE faults on HugeTLB (HGM post-copy): contention per lock design')
    .option('--vcpus <n>', 'vCPU threads', '256')
    .option('--page <size>', 'HugeTLB page size: 2M or 1G', '2M')
    .option('--pattern <p>', `faulted pages: ${FAULT_PATTERNS.join(', ')}`, 'random')
    .option('--faults <m>', 'faults per vCPU', '200')
    .option('--seed <s>', 'PRNG seed', '1')
    .option('--guest-gib <g>', 'guest memory, GiB', '64')
    .option('--work-ns <ns>', 'per-fault time outside the lock', String(LOCK_DEFAULTS.workNs))
    .option('--ptl-hold-ns <ns>', 'critical section under a page-table lock', String(LOCK_DEFAULTS.ptlHoldNs))
    .option('--vma-hold-ns <ns>', 'critical section under the HugeTLB VMA lock (write)', String(LOCK_DEFAULTS.vmaHoldNs))
    .option('--json', 'print as JSON (format mmsim-locks/1)')
    .action((o: LocksOptions) => {
      const r = simulateLocks(parseLocksOptions(o))
      const { designs: _d, ...model } = r.model
      if (o.json) io.stdout.write(jsonDocument('locks', { model, designs: r.designs }))
      else io.stdout.write(formatLocks(r).join('\n') + '\n')
    })
}
