import type { Level } from '@mmsim/core'
import { checkStream, ContractFailure, type ContractStrategy, mixedEvents, syntheticEvents } from '@mmsim/testing'
import { describe, expect, test } from 'vitest'
import type { FolioState } from './folioState.ts'
import { LINUX_612 } from './linux-6.12/linux612.ts'
import { LINUX_615, LINUX_615_RULES } from './linux-6.15/linux615.ts'
import { PageMapcountScheme } from './pageMapcountScheme.ts'

/** The contract must catch broken schemes: each of these breaks one rule of a real one. */

class ForgetsLargeOnDup extends PageMapcountScheme {
  constructor() {
    super({ ...LINUX_612, id: 'broken: dup without _large_mapcount' })
  }
  protected override dup(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    const large = f.large
    super.dup(f, i, n, level, mm)
    f.large = large
  }
}

const neverShared = new PageMapcountScheme({
  ...LINUX_615,
  id: 'broken: folio_maybe_mapped_shared() always false',
  rules: { ...LINUX_615_RULES, mappedShared: () => false },
})

class LeaksOnUnmap extends PageMapcountScheme {
  constructor() {
    super({ ...LINUX_612, id: 'broken: PMD unmap leaves _entire_mapcount' })
  }
  protected override remove(f: FolioState, i: number, n: number, level: Level, mm: number): void {
    if (level === 'pte') return super.remove(f, i, n, level, mm)
    const entire = f.entire
    super.remove(f, i, n, level, mm)
    if (f.entire < 0) f.entire = entire > 0 ? entire : 0 // "forgets" the last PMD
  }
}

const streams = [
  ...[1, 2, 3].map((seed) => syntheticEvents(600, { seed })),
  ...[1, 2, 3].map((seed) => mixedEvents(600, { seed })),
]
const fails = (st: ContractStrategy<unknown>): string => {
  for (const ev of streams) {
    try {
      checkStream(st, ev)
    } catch (err) {
      if (err instanceof ContractFailure) return err.message
      throw err
    }
  }
  return ''
}

describe('the strategy contract has teeth', () => {
  test('a scheme that forgets _large_mapcount on fork fails on folioMapcount or its invariants', () => {
    expect(fails(new ForgetsLargeOnDup() as unknown as ContractStrategy<unknown>)).toMatch(/folioMapcount|invariants/)
  })
  test('a "maybe shared" answer with a false negative fails', () => {
    expect(fails(neverShared as unknown as ContractStrategy<unknown>)).toMatch(/mappedShared \("maybe": no false negatives\)/)
  })
  test('a scheme that leaks a mapping fails (wrong answers or a Bad page state at free)', () => {
    expect(fails(new LeaksOnUnmap() as unknown as ContractStrategy<unknown>)).not.toBe('')
  })
})
