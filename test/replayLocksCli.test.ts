import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, describe, expect, test } from 'vitest'
import { LOCK_CLASSES } from '@mmsim/analysis'
import { mmsimIn, ROOT } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-replay-locks-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schemas/replay.schema.json'), 'utf8')) as { properties: { locks: { items: { properties: { classes: { items: { properties: { lock: { enum: string[] } } } } } } } } }
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema)

interface Doc {
  locks: { era: string; schemes: string[]; classes: { lock: string; acquisitions: number; eventsHeld: number; top: { instance: string; acquisitions: number }[] }[] }[]
}

describe('mmsim replay --locks', () => {
  const trace = join(dir, 'cow.mmtrace')
  test('per era of the schemes: 6.2 faults under mmap_lock, 6.18 under the per-VMA lock; the JSON matches the schema', async () => {
    expect((await mmsimIn('record', 'traces/scenarios/cow-pte-mapped-thp.scenario', '-o', trace)).status).toBe(0)
    const r = await mmsimIn('replay', trace, '--locks', '--strategy', 'linux-6.2,linux-6.8,linux-6.15', '--json')
    expect(r.status, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as Doc
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc.locks.map((l) => [l.era, l.schemes])).toEqual([['6.2', ['linux-6.2']], ['6.8', ['linux-6.8']], ['6.18', ['linux-6.15']]])
    const of = (era: string, lock: string) => doc.locks.find((l) => l.era === era)!.classes.find((c) => c.lock === lock)
    // two faults (p0's THP, p1's COW), hand-counted in packages/analysis/src/heldLocks.test.ts
    expect(of('6.2', 'mmap_lock (read)')!.acquisitions).toBe(2)
    expect(of('6.18', 'per-VMA lock (read)')!.acquisitions).toBe(2)
    expect(of('6.18', 'PTE ptl')).toMatchObject({ acquisitions: 3, eventsHeld: 8, top: [{ instance: 'p1 PTE table 0x1000000000', acquisitions: 2 }, { instance: 'p0 PTE table 0x1000000000', acquisitions: 1 }] })
    expect(of('6.8', 'folio _mm_ids bit-spinlock')).toBeUndefined()
    expect(of('6.18', 'folio _mm_ids bit-spinlock')!.acquisitions).toBe(6)
  })

  test('text: one table per era; without --strategy the 6.18 kernel', async () => {
    const r = await mmsimIn('replay', trace, '--locks')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^locks held, as Linux 6\.18 takes them: /m)
    expect(r.stdout).toMatch(/^ {2}PMD ptl +2 +2 +1 +p0 PMD table 0x1000000000 2$/m)
  })

  test('--locks with --decode-only is a usage error (exit 2, one line)', async () => {
    const r = await mmsimIn('replay', trace, '--locks', '--decode-only')
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('mmsim: --locks needs the events applied: it cannot go with --decode-only\n')
  })

  test('the schema lists every lock class', async () => {
    expect(schema.properties.locks.items.properties.classes.items.properties.lock.enum).toEqual([...LOCK_CLASSES])
  })
})
