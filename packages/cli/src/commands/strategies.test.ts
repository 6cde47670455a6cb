import { describe, expect, test } from 'vitest'
import { mmsimIn } from '../../../../test/cliRun.ts'
import { PROPOSAL_IDS, STRATEGY_IDS } from '@mmsim/strategies'

const PLUGIN = './packages/strategies/examples/fileThpEverySubpage.js'

describe('mmsim strategies / replay --strategy', () => {
  test('strategies lists every id with its kernel versions', async () => {
    const r = await mmsimIn('strategies')
    expect(r.status).toBe(0)
    for (const id of STRATEGY_IDS) expect(r.stdout).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')}\\s+v?[≤v0-9]`, 'm'))
  })
  test('strategies lists the proposal schemes with the post each comes from and their non-exact answers', async () => {
    const r = await mmsimIn('strategies')
    for (const id of PROPOSAL_IDS) expect(r.stdout).toMatch(new RegExp(`^${id}\\s+`, 'm'))
    const flat = r.stdout.replace(/\n {30,}/g, ' ') // wrapped continuation lines joined
    expect(flat).toContain('from: David Hildenbrand (Arm), "[PATCH RFC 00/13] mm/rmap: support arbitrary folio mappings" (12 Apr 2026)')
    expect(flat).toMatch(/^total-mapped-pages[\s\S]*?not exact: entireMapcount none, kpagecount estimate/m)
    expect(flat).toMatch(/^linux-6\.15 [\s\S]*?on HugeTLB folios mapped by HGM entries: entireMapcount none, pageMapcount none/m)
  })
  test('replay --strategy all,plugin keeps the replay report and exit code and adds a cost table per scheme', async () => {
    const plain = await mmsimIn('replay', 'traces/fork-cow-pmd-thp.mmtrace')
    const r = await mmsimIn('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', `all,${PLUGIN}`)
    expect(r.status).toBe(plain.status)
    expect(r.stdout.startsWith(plain.stdout)).toBe(true)
    for (const id of [...STRATEGY_IDS, 'file-thp-every-subpage']) expect(r.stdout).toContain(`\n${id} — `)
    expect(r.stdout).toMatch(/event type\s+events\s+atomics\s+\/event\s+PAE bitops\s+cache lines\s+bit-locks\s+HVO conflicts/)
  })
  test('replay --strategy --json adds the cost documents', async () => {
    const r = await mmsimIn('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', 'linux-6.1,linux-6.15', '--json')
    const doc = JSON.parse(r.stdout) as { strategies: { id: string; total: { atomics: number } }[] }
    expect(doc.strategies.map((s) => s.id)).toEqual(['linux-6.1', 'linux-6.15'])
  })
  test('an unknown scheme is a usage error (exit 2)', async () => {
    const r = await mmsimIn('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', 'linux-4.0')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/unknown strategy 'linux-4.0'/)
  })
})
