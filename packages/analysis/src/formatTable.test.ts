import { describe, expect, test } from 'vitest'
import { num, ratio, table, TEXT_WIDTH, wrap } from './formatTable.ts'

describe('the table and number helper', () => {
  test('counts have en-US thousands separators; ratios two decimals below 100, a separated count from 100 on, - per zero', () => {
    expect([num(0), num(999), num(1000), num(1234567)]).toEqual(['0', '999', '1,000', '1,234,567'])
    expect([ratio(1, 3), ratio(8008, 100), ratio(1026, 1), ratio(118_5, 10), ratio(5, 0)]).toEqual(['0.33', '80.08', '1,026', '119', '-'])
  })

  test('columns as wide as their widest cell or heading, left or right aligned, numbers separated, lines trimmed', () => {
    const lines = table([{ title: 'type' }, { title: 'n', align: 'right' }, { title: 'note' }], [['rmap/removed', 1024, ''], ['pmd/remapped', 7, 'x']], { indent: '  ' })
    expect(lines).toEqual([
      '  type              n  note',
      '  rmap/removed  1,024',
      '  pmd/remapped      7  x',
    ])
  })

  test('minimum widths, per-column gaps and no heading (a caller-printed heading)', () => {
    expect(table([{ title: 't', min: 6 }, { title: 'c', align: 'right', min: 4, gap: 1 }], [['a', 1]], { head: false })).toEqual(['a         1'])
  })

  test('wrap breaks at spaces within the width, continuation indented; a fitting line is unchanged', () => {
    expect(wrap('  short')).toEqual(['  short'])
    const long = '  ' + Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')
    const pieces = wrap(long)
    expect(pieces.length).toBeGreaterThan(1)
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(TEXT_WIDTH)
    expect(pieces.slice(1).every((p) => p.startsWith('      word'))).toBe(true)
    expect(pieces.join(' ').replace(/ +/g, ' ')).toBe(long.replace(/ +/g, ' '))
    expect(wrap('a b c d', 3, '> ')).toEqual(['a b', '> c', '> d'])
  })
})
