import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { PROPOSAL_IDS, STRATEGY_IDS } from '@mmsim/strategies'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const mmsim = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/mmsim.mjs', ...args], { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const PLUGIN = './packages/strategies/examples/fileThpEverySubpage.js'

describe('mmsim strategies / replay --strategy', () => {
  test('strategies lists every id with its kernel versions', () => {
    const r = mmsim('strategies')
    expect(r.status).toBe(0)
    for (const id of STRATEGY_IDS) expect(r.stdout).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')}\\s+v?[≤v0-9]`, 'm'))
  })
  test('strategies lists the proposal schemes with the post each comes from and their non-exact answers', () => {
    const r = mmsim('strategies')
    for (const id of PROPOSAL_IDS) expect(r.stdout).toMatch(new RegExp(`^${id}\\s+`, 'm'))
    const flat = r.stdout.replace(/\n {30,}/g, ' ') // wrapped continuation lines joined
    expect(flat).toContain('from: David Hildenbrand (Arm), "[PATCH RFC 00/13] mm/rmap: support arbitrary folio mappings" (12 Apr 2026)')
    expect(flat).toMatch(/^total-mapped-pages[\s\S]*?not exact: entireMapcount none, kpagecount estimate/m)
    expect(flat).toMatch(/^linux-6\.15 [\s\S]*?on HugeTLB folios mapped by HGM entries: entireMapcount none, pageMapcount none/m)
  })
  test('replay --strategy all,plugin keeps the replay report and exit code and adds a cost table per scheme', () => {
    const plain = mmsim('replay', 'traces/fork-cow-pmd-thp.mmtrace')
    const r = mmsim('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', `all,${PLUGIN}`)
    expect(r.status).toBe(plain.status)
    expect(r.stdout.startsWith(plain.stdout)).toBe(true)
    for (const id of [...STRATEGY_IDS, 'file-thp-every-subpage']) expect(r.stdout).toContain(`\n${id} — `)
    expect(r.stdout).toMatch(/event type\s+events\s+atomics\s+\/event\s+PAE bitops\s+cache lines\s+bit-locks\s+HVO conflicts/)
  })
  test('replay --strategy --json adds the cost documents', () => {
    const r = mmsim('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', 'linux-6.1,linux-6.15', '--json')
    const doc = JSON.parse(r.stdout) as { strategies: { id: string; total: { atomics: number } }[] }
    expect(doc.strategies.map((s) => s.id)).toEqual(['linux-6.1', 'linux-6.15'])
  })
  test('an unknown scheme is a usage error (exit 2)', () => {
    const r = mmsim('replay', 'traces/fork-cow-pmd-thp.mmtrace', '--strategy', 'linux-4.0')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/unknown strategy 'linux-4.0'/)
  })
})
