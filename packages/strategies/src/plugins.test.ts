import { fileURLToPath } from 'node:url'
import { describeStrategyContract, type ContractStrategy } from '@mmsim/testing'
import { describe, expect, test } from 'vitest'
import { costOf } from './costOf.ts'
import { loadPlugin, loadStrategies, StrategyLoadError } from './loadStrategies.ts'
import { STRATEGY_IDS } from './registry.ts'
import type { AnyStrategy } from './strategy.ts'
import { alloc, hugeAdd, hvo, proc, vma } from './testEvents.ts'

const example = fileURLToPath(new URL('../examples/fileThpEverySubpage.js', import.meta.url))
const [plugin] = await loadPlugin(example)

describe('--strategy resolution', () => {
  test('"all" is the seven built-in schemes in order; ids and plugin paths mix', async () => {
    expect((await loadStrategies('all')).map((s) => s.id)).toEqual(STRATEGY_IDS)
    expect((await loadStrategies(`linux-6.1, ${example}`)).map((s) => s.id)).toEqual(['linux-6.1', 'file-thp-every-subpage'])
  })
  test('an unknown id, a duplicate and a module that is no strategy are errors', async () => {
    await expect(loadStrategies('linux-5.0')).rejects.toThrow(StrategyLoadError)
    await expect(loadStrategies('linux-6.12,linux-6.12')).rejects.toThrow(/named twice/)
    await expect(loadPlugin(fileURLToPath(new URL('./costs.ts', import.meta.url)))).rejects.toThrow(/exports no strategy/)
  })
})

describe('the example plugin (examples/fileThpEverySubpage.js)', () => {
  test('shows the HVO conflict of per-subpage HugeTLB mapcounts: 448 of 512 struct pages written are read-only under HVO', () => {
    const setup = [proc(1), vma(1, 0x10000, 512, 'hugetlb'), alloc(0x40000, 9, 'hugetlb'), hvo(0x40000, true)]
    const c = costOf(plugin!, setup, [hugeAdd(1, 0x10000, 0x40000, 'newAnon')])
    expect(c).toMatchObject({ atomics: 513, cacheLines: 512, hvoConflicts: 512 - 64, hvoWrites: 1 })
  })
})

describeStrategyContract(() => plugin as AnyStrategy as ContractStrategy<unknown>, { runs: 8, events: 300 })
