// `sweep` progress on stderr (issue 15), run in process: shown when stderr is a terminal or with --progress,
// nothing when piped; stdout is the same either way.
import { describe, expect, test } from 'vitest'
import { mmsimIn, runIn } from './cliRun.ts'

const SCENARIO = 'traces/waste/shmem-punch.scenario'
const SETS = ['--set', 'shmem_thp.64K=always,shmem_thp.2M=never', '--set', 'shmem_thp.2M=always']

describe('sweep progress', () => {
  test('piped (no TTY), no --progress: nothing on stderr', async () => {
    const r = await mmsimIn('sweep', SCENARIO, ...SETS)
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
  })
  test('--progress on a pipe: the first policy (as written, 1 of 3) at once, the line erased at the end; stdout unchanged', async () => {
    const plain = await mmsimIn('sweep', SCENARIO, ...SETS)
    const r = await mmsimIn('sweep', SCENARIO, ...SETS, '--progress')
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(plain.stdout)
    expect(r.stderr).toMatch(/^\rsweep: 1\/3 policy as written, \d+\.\d s\x1b\[K/)
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true)
    // at most one line per 200 ms: never more lines than policies
    expect(r.stderr.split('\rsweep: ').length - 1).toBeLessThanOrEqual(3)
  })
  test('stderr a terminal: shown without --progress', async () => {
    const r = await runIn(['sweep', SCENARIO, ...SETS, '--json'], { stderrTTY: true })
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/^\rsweep: 1\/3 policy as written, /)
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: 'waste-shmem-punch' })
  })
})
