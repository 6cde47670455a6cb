import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-model-'))
const SC = 'traces/scenarios/fork-cow-pmd-thp.scenario'

describe('mmsim record / observe / verify (simulated kernel)', () => {
  it('record writes a trace whose replay has no violations and one check mark per check', async () => {
    const out = join(dir, 'x.mmtrace')
    const r = await mmsimIn('record', SC, '-o', out)
    expect(r.status).toBe(0)
    const rep = JSON.parse((await mmsimIn('replay', out, '--json')).stdout) as { violations: { count: number } }
    expect(rep.violations.count).toBe(0)
    const info = JSON.parse((await mmsimIn('info', out, '--json')).stdout) as { eventsByType: Record<string, number>; source: { kind: string; name: string } }
    expect(info.eventsByType['check/marked']).toBe(3)
    expect(info.source).toMatchObject({ kind: 'scenario', name: 'fork-cow-pmd-thp' })
  })

  it('observe prints the model document (source model)', async () => {
    const r = await mmsimIn('observe', SC)
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout) as { source: string; checks: unknown[] }
    expect(doc.source).toBe('model')
    expect(doc.checks).toHaveLength(3)
  })

  it('verify --stored: Agree line with checks, pages and hash, exit 0', async () => {
    const sc = join(dir, 'same.scenario')
    writeFileSync(sc, 'scenario same\np0 mmap A 8K anon private\np0 write A\np0 fork p1\ncheck\n')
    writeFileSync(join(dir, 'same.kernel.json'), (await mmsimIn('observe', sc)).stdout)
    const r = await mmsimIn('verify', '--stored', sc)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^Test same Agree \(1 checks, 4 pages vs stored\) Hash=[0-9a-f]{8}\n$/)
  })

  it('verify --stored on a doctored observation: Differ, one line per difference, exit 1', async () => {
    const sc = join(dir, 'tiny.scenario')
    writeFileSync(sc, 'p0 mmap A 8K anon private\np0 write A\ncheck\n')
    const doc = JSON.parse((await mmsimIn('observe', sc)).stdout) as { checks: { procs: { p0: { A: { mapcount: number }[] } } }[] }
    doc.checks[0]!.procs.p0.A[1]!.mapcount = 7
    writeFileSync(join(dir, 'tiny.kernel.json'), JSON.stringify(doc))
    const r = await mmsimIn('verify', '--stored', sc)
    expect(r.status).toBe(1)
    expect(r.stdout.split('\n')[1]).toBe('  line 3 p0 A +0x1000 mapcount: model 1 kernel 7')
  })

  it('verify --stored on an observation of another scenario text: one stale line, exit 3, no page differences', async () => {
    const sc = join(dir, 'edited.scenario')
    writeFileSync(sc, 'scenario edited\np0 mmap A 8K anon private\np0 write A\ncheck\n')
    const recorded = (await mmsimIn('observe', sc)).stdout
    const storedHash = (JSON.parse(recorded) as { scenarioHash: string }).scenarioHash
    expect(storedHash).toMatch(/^[0-9a-f]{8}$/)
    writeFileSync(join(dir, 'edited.kernel.json'), recorded)
    expect((await mmsimIn('verify', '--stored', sc)).status).toBe(0)
    // the scenario changes after its observation was stored: the second page is no longer written
    writeFileSync(sc, 'scenario edited\np0 mmap A 8K anon private\np0 write A[0+4K]\ncheck\n')
    const r = await mmsimIn('verify', '--stored', sc)
    expect(r.status).toBe(3)
    const hash = (JSON.parse((await mmsimIn('observe', sc)).stdout) as { scenarioHash: string }).scenarioHash
    expect(hash).not.toBe(storedHash)
    expect(r.stdout).toBe(`${sc}: stale observation: scenario hash ${hash}, stored ${storedHash}\n`)
    expect(r.stderr).toBe('')
    const j = await mmsimIn('verify', '--stored', '--json', sc)
    expect(j.status).toBe(3)
    expect((JSON.parse(j.stdout) as { agree: boolean; results: unknown[] }).results).toEqual([
      { file: sc, error: `${sc}: stale observation: scenario hash ${hash}, stored ${storedHash}`, stale: true, hash, storedHash },
    ])
    // record --kernel --stored refuses to embed it as the trace's kernel answers: one line, exit 2
    const rec = await mmsimIn('record', sc, '-o', join(dir, 'edited.mmtrace'), '--kernel', '--stored')
    expect(rec.status).toBe(2)
    expect(rec.stderr).toBe(`mmsim: ${sc}: stale observation: scenario hash ${hash}, stored ${storedHash}\n`)
    // a stored observation without the field (recorded before it existed) is compared page by page
    const old = JSON.parse(recorded) as Record<string, unknown>
    delete old.scenarioHash
    writeFileSync(join(dir, 'edited.kernel.json'), JSON.stringify(old))
    const d = await mmsimIn('verify', '--stored', sc)
    expect(d.status).toBe(1)
    expect(d.stdout).toContain('  line 4 p0 A +0x1000 present: model false kernel true')
  })

  it('usage and input errors exit 2 with one line', async () => {
    const bad = join(dir, 'bad.scenario')
    writeFileSync(bad, 'p0 mmap A 3K anon private\n')
    const r = await mmsimIn('verify', '--stored', bad)
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('bad.scenario:1:')
    expect((await mmsimIn('verify', '--stored', join(dir, 'missing.scenario'))).status).toBe(2)
    expect(readFileSync(SC, 'utf8')).toContain('fork')
  })
})
