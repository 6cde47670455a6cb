import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScenario } from '@mmsim/kernel'
import { collectTrace } from '@mmsim/trace'
import { recordScenario } from './record.ts'

// folio/splitFailed is an optional event type (core OPTIONAL_TYPES): record declares it in the header only for a
// scenario with `pin`, so the pin corpus scenario's trace holds it and the others keep their bytes (record.test).
const ROOT = join(import.meta.dirname, '../../../..')
const dir = mkdtempSync(join(tmpdir(), 'mmsim-record-pin-'))

describe('record of a scenario with pin', () => {
  it('declares folio/splitFailed in the header and the event reads back (folio, page = folio + 1, errno 11)', async () => {
    const file = 'traces/scenarios/shmem-64K-pin-punch-split-fails.scenario'
    const out = join(dir, 'pin.mmtrace')
    recordScenario(parseScenario(readFileSync(join(ROOT, file), 'utf8'), file), out)
    const t = await collectTrace(out)
    expect(t.header.structures.map((s) => s.type)).toContain('folio/splitFailed')
    const failed = t.events.filter((e) => e.type === 'folio/splitFailed')
    expect(failed).toHaveLength(1)
    const f = failed[0] as { folio: number; page: number; errno: number }
    expect([f.page - f.folio, f.errno]).toEqual([1, 11])
  })

  it('a scenario without pin does not declare it', async () => {
    const file = 'traces/scenarios/shmem-thp-punch-4K.scenario'
    const out = join(dir, 'nopin.mmtrace')
    recordScenario(parseScenario(readFileSync(join(ROOT, file), 'utf8'), file), out)
    expect((await collectTrace(out)).header.structures.map((s) => s.type)).not.toContain('folio/splitFailed')
  })
})
