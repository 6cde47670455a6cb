// `mmsim inspect TRACE --at N --patches`: what event N changed, as immer patches, in text and JSON, on the
// bundled trace. Event 15 of traces/fork-cow-pmd-thp.jsonl (its line 17): p1's exit removes the only PTE
// mapping its COW page 0x2000 (mapped at vpn 0x40002 by event 11), just before the folio is freed.
import { describe, expect, test } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const TRACE = 'traces/fork-cow-pmd-thp.mmtrace'
const PAGE = { pageMapcount: 1, kpagecount: 1, anonExclusive: true, pagemapExclusive: true }
const OLD_PAGE = { mappings: [{ pid: 1, level: 'pte', vpn: 0x40002 }], answers: { truth: PAGE, 'linux-6.15': PAGE } }

describe('inspect --patches', () => {
  test('text: the inspection, then one line per changed field under "changes of event 15:"', async () => {
    const r = await mmsimIn('inspect', TRACE, '--at', '15', '--strategy', 'linux-6.15', '--patches')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const plain = await mmsimIn('inspect', TRACE, '--at', '15', '--strategy', 'linux-6.15')
    expect(r.stdout.startsWith(plain.stdout)).toBe(true)
    const block = r.stdout.slice(plain.stdout.length).split('\n')
    expect(block.slice(0, 2)).toEqual(['', 'changes of event 15:'])
    expect(block.slice(2).filter((l) => l !== '').sort()).toEqual([
      '  ~ folios.0x2000.answers.linux-6.15.folioMapcount: 1 -> 0',
      '  ~ folios.0x2000.answers.linux-6.15.nrPagesMapped: 1 -> 0',
      '  ~ folios.0x2000.answers.truth.folioMapcount: 1 -> 0',
      '  ~ folios.0x2000.answers.truth.nrPagesMapped: 1 -> 0',
      '  ~ folios.0x2000.unmappedPages: 0 -> 1',
      `  - folios.0x2000.pages.0x2000: ${JSON.stringify(OLD_PAGE)}`,
    ].sort())
  })

  test('--json: the mmsim-inspect/1 document with its patches (op, path, value, old)', async () => {
    const r = await mmsimIn('inspect', TRACE, '--at', '15', '--strategy', 'linux-6.15', '--patches', '--json')
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout) as { format: string; at: number; patches: { path: string[] }[] }
    expect(doc).toMatchObject({ format: 'mmsim-inspect/1', at: 15 })
    const key = (p: { path: string[] }): string => p.path.join('.')
    expect([...doc.patches].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual([
      { op: 'replace', path: ['folios', '0x2000', 'answers', 'linux-6.15', 'folioMapcount'], value: 0, old: 1 },
      { op: 'replace', path: ['folios', '0x2000', 'answers', 'linux-6.15', 'nrPagesMapped'], value: 0, old: 1 },
      { op: 'replace', path: ['folios', '0x2000', 'answers', 'truth', 'folioMapcount'], value: 0, old: 1 },
      { op: 'replace', path: ['folios', '0x2000', 'answers', 'truth', 'nrPagesMapped'], value: 0, old: 1 },
      { op: 'remove', path: ['folios', '0x2000', 'pages', '0x2000'], old: OLD_PAGE },
      { op: 'replace', path: ['folios', '0x2000', 'unmappedPages'], value: 1, old: 0 },
    ])
    const without = JSON.parse((await mmsimIn('inspect', TRACE, '--at', '15', '--strategy', 'linux-6.15', '--json')).stdout) as object
    expect('patches' in without).toBe(false)
  })
})
