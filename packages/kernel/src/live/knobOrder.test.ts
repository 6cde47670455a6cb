import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/parseScenario.ts'
import { knobPlan, THP_DIR } from './knobs.ts'

// The kernel keeps shmem_enabled=force and a per-size inherit below 2M apart both ways round
// (shmem_parse_huge(), thpsize_shmem_enabled_store()): knobPlan() writes the sizes below 2M that stop
// inheriting before shmem_enabled, and 2M and the inheriting sizes after it.
const has = existsSync(`${THP_DIR}/hugepages-64kB/shmem_enabled`) && existsSync(`${THP_DIR}/hugepages-2048kB/shmem_enabled`)
const at = (plan: { path: string }[], name: string): number => plan.findIndex((w) => w.path === `${THP_DIR}/${name}`)

describe.skipIf(!has)('knobPlan: shmem knob order', () => {
  it('force: sizes below 2M (none inherit) before shmem_enabled, 2M after it', () => {
    const s = parseScenario('set shmem_thp=force\nset shmem_thp.2M=never\nset shmem_thp.64K=always\n', 'x.scenario')
    const plan = knobPlan(s.knobs, s.statements)
    const en = at(plan, 'shmem_enabled')
    expect(at(plan, 'hugepages-64kB/shmem_enabled')).toBeLessThan(en)
    expect(at(plan, 'hugepages-16kB/shmem_enabled')).toBeLessThan(en)
    expect(at(plan, 'hugepages-2048kB/shmem_enabled')).toBeGreaterThan(en)
    expect(plan[at(plan, 'hugepages-2048kB/shmem_enabled')]!.value).toBe('never')
  })
  it('an inheriting size below 2M is written after shmem_enabled', () => {
    const s = parseScenario('set shmem_thp=always\nset shmem_thp.64K=inherit\n', 'x.scenario')
    const plan = knobPlan(s.knobs, s.statements)
    expect(at(plan, 'hugepages-64kB/shmem_enabled')).toBeGreaterThan(at(plan, 'shmem_enabled'))
    expect(at(plan, 'hugepages-32kB/shmem_enabled')).toBeLessThan(at(plan, 'shmem_enabled'))
  })
})
