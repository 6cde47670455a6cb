import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const COW_PTE = 'traces/scenarios/cow-pte-mapped-thp.scenario'

interface Doc {
  format: string
  schemes: { id: string; total: Record<string, number>; byType: Record<string, Record<string, number>> }[]
}

describe('mmsim cost', () => {
  test('cow-pte-mapped-thp: rmap calls per era, worked out by hand', async () => {
    const r = await mmsimIn('cost', COW_PTE, '--strategy', 'linux-6.2,linux-6.8,linux-6.15', '--json')
    expect(r.status, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as Doc
    expect(doc.format).toBe('mmsim-cost/1')
    const [v62, v68, v615] = doc.schemes
    // The scenario: a THP fault (1 newAnon call), two mprotects split the PMD (pmd/remapped) and the VMA in
    // three ([0,1), [1,2), [2,512) pages), fork dups each VMA's PTEs (3 batched events, 512 PTEs), the
    // child's COW of page 0 maps a new page (1 newAnon call) and unmaps one PTE of the THP (1 remove).
    // linux-6.2: 513 for the remap (512 page_add_anon_rmap + page_remove_rmap(compound)) + 512 dups + 2 + 1
    expect(v62!.byType['pmd/remapped']!.rmapCalls).toBe(513)
    expect(v62!.byType['rmap/anonDuplicated']!.rmapCalls).toBe(512)
    expect(v62!.total.rmapCalls).toBe(1028)
    // tail-page lookups: the remap's calls on pages 1..511, the dups of pages 1..511 (the [0,1) batch is the head),
    // none for the newAnon calls (head pages) or the removal of page 0
    expect(v62!.total.folioLookups).toBe(511 + 511)
    // linux-6.8: the remap is folio_add_anon_rmap_ptes + folio_remove_rmap_pmd; fork still one call per PTE
    expect(v68!.total.rmapCalls).toBe(2 + 512 + 2 + 1)
    expect(v68!.total.folioLookups).toBe(0)
    // linux-6.15: fork batched per VMA (3 calls)
    expect(v615!.total.rmapCalls).toBe(2 + 3 + 2 + 1)
    // same counter work in 6.2 and 6.8, so the modelled difference is the calls and the lookups, × 5 and 2 ns
    expect(v62!.total.atomics).toBe(v68!.total.atomics!)
    expect(v62!.total.modelledNs! - v68!.total.modelledNs!).toBe((1028 - 517) * 5 + 1022 * 2)
  })

  test('text: a totals table with the change against the first scheme', async () => {
    const r = await mmsimIn('cost', COW_PTE, '--strategy', 'linux-6.2,linux-6.8')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^ {2}linux-6\.8 +11 +517 +0 .* −\d+\.\d %$/m)
  })

  test('usage errors: no --strategy, an unknown scheme, a missing input (exit 2, one line)', async () => {
    const none = await mmsimIn('cost', COW_PTE)
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/required option '--strategy <schemes>' not specified/)
    const bad = await mmsimIn('cost', COW_PTE, '--strategy', 'linux-9.9')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/^mmsim: --strategy: .*linux-9\.9/)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    const missing = await mmsimIn('cost', 'traces/nope.scenario', '--strategy', 'linux-6.8')
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/^mmsim: .*nope\.scenario/)
    expect(missing.stderr).not.toMatch(/at .*\.ts:\d+/)
  })

  test('a truncated trace: exit 1 and one line naming the damage (it exited 1 saying nothing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmsim-cost-'))
    try {
      const whole = readFileSync('traces/fork-cow-pmd-thp.mmtrace')
      const cut = join(dir, 'cut.mmtrace')
      writeFileSync(cut, whole.subarray(0, whole.length - 100))
      const r = await mmsimIn('cost', cut, '--strategy', 'linux-6.8')
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`^mmsim: ${cut}: truncated at byte \\d+ \\(frame 0\\): .*; the costs cover the events before it\n$`))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
