import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScenario, sweepWaste } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { defaultPolicies, formatSweep, parsePolicy } from './sweep.ts'

const ROOT = join(import.meta.dirname, '../../../..')
const scenario = (name: string) => {
  const file = join(ROOT, 'traces/waste', name)
  return parseScenario(readFileSync(file, 'utf8'), file)
}

// Expected values worked out by hand from the 6.18 source (shmem_alloc_and_add_folio(): the largest allowed
// order whose aligned block is free; finish_fault() maps the whole folio; truncate_inode_partial_folio()
// splits at the hole's edges). The whole-folio mapping of a 64K shmem folio after one 4K write agrees with
// the live kernel (traces/scenarios/shmem-mthp-64K.kernel.json: 16 pages present).
describe('mmsim sweep', () => {
  it('--set values are parsed as set statements; a bad one is a one-line error', () => {
    expect(parsePolicy('shmem_thp.64K=always, shmem_thp.2M=never').sets.map((s) => s.op)).toEqual(['set', 'set'])
    expect(() => parsePolicy('shmem_thp.64K=sometimes')).toThrow(UserError)
    expect(() => parsePolicy('shmem_thp.64K=sometimes')).toThrow(/^--set 'shmem_thp.64K=sometimes': expected shmem mTHP policy/)
    expect(() => parsePolicy(',')).toThrow("--set ',': no knob setting")
  })

  it('sparse writes: 4K allocates 32 pages and 32 PTEs, 64K 512 pages and 512 PTEs, 2M 512 pages and one PMD', () => {
    const rows = sweepWaste(scenario('shmem-sparse.scenario'), [{ name: 'as written', sets: [] }, parsePolicy('shmem_thp.64K=always,shmem_thp.2M=never'), parsePolicy('shmem_thp.2M=always')])
    expect(rows.map((r) => [r.policy, r.shmemFolios, r.allocated, r.written, r.pmdEntries, r.pteEntries])).toEqual([
      ['as written', { '4K': 32 }, 32, 32, 0, 32],
      ['shmem_thp.64K=always,shmem_thp.2M=never', { '64K': 32 }, 512, 32, 0, 512],
      ['shmem_thp.2M=always', { '2M': 1 }, 512, 32, 1, 0],
    ])
  })

  it('sparse writes then MADV_DONTNEED: zero-page scanning would free the 480 never-written pages of 64K folios', () => {
    const [r] = sweepWaste(scenario('shmem-sparse-dontneed.scenario'), [parsePolicy('shmem_thp.64K=always,shmem_thp.2M=never')])
    expect([r!.zeroScanReturns, r!.flagReturns, r!.pteEntries]).toEqual([480, 0, 0])
  })

  it('punching all but pages 0 and 256: 64K splits 2 folios and holds nothing; had they failed, 30 pages held, both proposals free them', () => {
    const [a, b] = sweepWaste(scenario('shmem-punch.scenario'), [parsePolicy('shmem_thp.64K=always,shmem_thp.2M=never'), parsePolicy('shmem_thp.2M=always')])
    expect([a!.report.punchSplits, a!.punchedHeld, a!.ifSplitsFail]).toEqual([2, 0, { punchedHeld: 30, flagReturns: 30, zeroScanReturns: 30 }])
    // 2M: one split (the second hole is then made of whole buddies); failed, the 2M folio keeps 510 zeroed pages
    expect([b!.report.punchSplits, b!.punchedHeld, b!.ifSplitsFail.punchedHeld]).toEqual([1, 0, 510])
  })

  it('the default policies are each shmem size alone; the table fits 120 columns', () => {
    const p = defaultPolicies()
    expect(p.map((x) => x.name)).toEqual(['16K only', '32K only', '64K only', '128K only', '256K only', '512K only', '1M only', '2M only'])
    const text = formatSweep('waste-shmem-punch', sweepWaste(scenario('shmem-punch.scenario'), p))
    for (const line of text) expect(line.length).toBeLessThanOrEqual(120)
  })
})
