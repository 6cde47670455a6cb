import { describe, expect, it } from 'vitest'
import { hvoReport } from '@mmsim/analysis'
import { UserError } from '../userError.ts'
import { formatHvo, parseHvoOptions } from './hvo.ts'

describe('mmsim hvo', () => {
  it('parses the options (1024G of 2M pages = 524288 pages)', () => {
    expect(parseHvoOptions({ size: '2M', pool: '1024G', kernel: 'v7' })).toEqual({ kernel: 'v7', size: '2M', hugePages: 524288 })
    expect(parseHvoOptions({ size: '1G', pool: '4', kernel: '6.18' })).toEqual({ kernel: '6.18', size: '1G', hugePages: 4 })
  })

  it('refuses bad values with one-line user errors', () => {
    expect(() => parseHvoOptions({ size: '4K', pool: '1', kernel: '6.18' })).toThrow(new UserError('--size 4K: want 2M or 1G'))
    expect(() => parseHvoOptions({ size: '2M', pool: '1', kernel: '6.1' })).toThrow(new UserError('--kernel 6.1: want v7 or 6.18'))
    expect(() => parseHvoOptions({ size: '1G', pool: '1M', kernel: '6.18' })).toThrow(UserError)
  })

  // the seed's table for a 1024 GiB pool, worked out by hand: v7 2M keeps 2 of 8 and frees 6 (12 GiB, 10 GiB
  // with a PTE table per huge page), 6.18 2M frees 7; 1G: v7 4094 − 8 PTE tables = 4086, 6.18 4095 − 8 = 4087
  it('prints the derivation, the seed, and the same pool per kernel and size', () => {
    const text = formatHvo(hvoReport('v7', '2M', 524288))
    expect(text[0]).toBe('HVO on the v7 series (seed 002): a pool of 524288 2M pages (1024 GiB)')
    expect(text).toContain('  freed = 524288 × 6 = 3145728 pages = 12 GiB')
    expect(text.find((l) => l.includes('worst 10 GB, best 12 GB'))).toMatch(/worst 524288 × \(6 − 1 page table\) = 10 GiB/)
    const rows = text.filter((l) => /^(v7|6\.18)\s/.test(l))
    expect(rows).toHaveLength(4)
    expect(rows[0]).toMatch(/^v7\s+2M\s+8\s+2\s+6\s+1\/64\s+5\.9844\s+11\.97 GiB\s+10 GiB$/)
    expect(rows[1]).toMatch(/^v7\s+1G\s+4,096\s+2\s+4,094\s+8\s+4,086\s+15\.96 GiB\s+15\.96 GiB$/)
    expect(rows[2]).toMatch(/^6\.18\s+2M\s+8\s+1\s+7\s+1\/64\s+6\.9844\s+13\.97 GiB\s+12 GiB$/)
    expect(rows[3]).toMatch(/^6\.18\s+1G\s+4,096\s+1\s+4,095\s+8\s+4,087\s+15\.96 GiB\s+15\.96 GiB$/)
  })
})
