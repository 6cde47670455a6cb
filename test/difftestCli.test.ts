import { describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

// `mmsim difftest` usage errors: checked before the live kernel is touched (no lock, no knob written).
describe('mmsim difftest: usage', () => {
  it.each([
    [['--seeds', '3', '--seed', '4'], 'give --seeds N or --seed S…, not both'],
    [['--seeds', 'x'], '--seeds x: want an integer in [1, 100000]'],
    [['--seeds', '0'], '--seeds 0: want an integer in [1, 100000]'],
    [['--seed', '1', '-2'], '--seed -2: want an integer in [0, 4294967295]'],
    [['--seed', '1.5'], '--seed 1.5: want an integer in [0, 4294967295]'],
    [['--seed', '1', '--shrink-budget', '0'], '--shrink-budget 0: want an integer in [1, 10000]'],
  ])('%j: exit 2, one line', async (args, message) => {
    const r = await mmsimIn('difftest', ...args)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(message)
  })

  it('is listed by mmsim --help', async () => {
    expect((await mmsimIn('--help')).stdout).toMatch(/^ {2}difftest \[options\] +differential test/m)
  })
})
