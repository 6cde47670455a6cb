import { describe, expect, it } from 'vitest'
import { parseScenario } from './parseScenario.ts'
import { ScenarioError } from './scenarioError.ts'

const parse = (text: string): unknown => parseScenario(text, 'x.scenario')
const message = (text: string): string => {
  try {
    parse(text)
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError)
    return (e as ScenarioError).message
  }
  throw new Error('expected a scenario error')
}

// scenario contract v1.1 item 10: shmem_thp=force with a per-size inherit below 2M is refused by the
// kernel (shmem_parse_huge(), thpsize_shmem_enabled_store()), so it is a scenario error before anything runs
describe('shmem_thp=force with shmem_thp.SIZE=inherit', () => {
  it('is an error for a size below 2M, in either order, at the later set', () => {
    expect(message('set shmem_thp=force\nset shmem_thp.64K=inherit\np0 mmap A 64K shmem shared\n')).toBe(
      'x.scenario:2: set shmem_thp=force with set shmem_thp.64K=inherit: this kernel refuses per-size inherit below 2M under force (the knob write is EINVAL; scenario contract v1.1 item 10)',
    )
    expect(message('set shmem_thp.16K=inherit\nset shmem_thp.8K=never\nset shmem_thp=force\n')).toMatch(/^x\.scenario:3: set shmem_thp=force with set shmem_thp\.16K=inherit:/)
  })
  it('is no error for 2M inherit (the default), other per-size values, or when the last set wins', () => {
    expect(() => parse('set shmem_thp=force\nset shmem_thp.2M=inherit\n')).not.toThrow()
    expect(() => parse('set shmem_thp=force\nset shmem_thp.64K=always\nset shmem_thp.16K=advise\nset shmem_thp.32K=within_size\n')).not.toThrow()
    expect(() => parse('set shmem_thp=force\nset shmem_thp.64K=inherit\nset shmem_thp.64K=never\n')).not.toThrow()
    expect(() => parse('set shmem_thp=force\nset shmem_thp.64K=inherit\nset shmem_thp=always\n')).not.toThrow()
    expect(() => parse('set shmem_thp=always\nset shmem_thp.64K=inherit\n')).not.toThrow()
  })
})
