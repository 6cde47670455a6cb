import { describe, expect, it } from 'vitest'
import { simulateLocks } from '@mmsim/analysis'
import { UserError } from '../userError.ts'
import { formatLocks, parseLocksOptions } from './locks.ts'

const opts = { vcpus: '2', page: '2M', pattern: 'same-2M', faults: '3', seed: '1', guestGib: '1', workNs: '0', ptlHoldNs: '100', vmaHoldNs: '100' }

describe('mmsim locks', () => {
  it('parses the options into the model (1 GiB guest = 2^30 bytes)', () => {
    expect(parseLocksOptions(opts)).toMatchObject({ vcpus: 2, faults: 3, page: '2M', pattern: 'same-2M', guestBytes: 2 ** 30, workNs: 0 })
  })

  it('refuses bad values with one-line user errors', () => {
    expect(() => parseLocksOptions({ ...opts, page: '4K' })).toThrow(new UserError('--page 4K: want 2M or 1G'))
    expect(() => parseLocksOptions({ ...opts, vcpus: '0' })).toThrow(UserError)
    expect(() => parseLocksOptions({ ...opts, pattern: 'zigzag' })).toThrow(/^--pattern zigzag: want one of random, sequential, same-2M$/)
  })

  it('prints one row per design; 2 serial vCPUs on one lock wait 5 × 100 ns of 1,100 (fraction 0.455)', () => {
    const text = formatLocks(simulateLocks(parseLocksOptions(opts)))
    const row = text.find((l) => l.startsWith('mm-page-table-lock'))!
    expect(row).toMatch(/one per mm\s+1\s+6\s+5\s+1\s+0\.455\s+0\.6 µs\s+0\.3 µs$/)
    expect(text.filter((l) => /^(mm-|split-|hugetlb-)/.test(l))).toHaveLength(4)
  })
})
