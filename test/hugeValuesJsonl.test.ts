// Valid JSONL with values at the edges of what the schema allows (a folio PFN of 2^53-1, a pid of 2^24 and of
// 2^53-1, a vpn of 2^40): every command reads it and reports broken preconditions as violations naming the event
// index — never a crash (issue 15: such values used to reach the keyed tries of the truth and the schemes).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-huge-values-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const MAXU = 2 ** 53 - 1
function jsonl(name: string, pid: number, vpn: number, pfn: number): string {
  const ev = [
    { format: 'mmsim-trace-jsonl/1', source: { kind: 'jsonl', name } },
    { type: 'process/created', pid, cause: 'c' },
    { type: 'vma/mapped', pid, vpn, nrPages: 1, kind: 'anon', shared: false, writable: true, file: 0, pgoff: 0, cause: 'c' },
    { type: 'folio/allocated', folio: pfn, order: 0, kind: 'anon', file: 0, index: 0, cause: 'c' },
    { type: 'rmap/newAnonAdded', pid, vpn, folio: pfn, page: pfn, nrPages: 1, level: 'pte', cause: 'c' },
    { type: 'rmap/removed', pid, vpn, folio: pfn, page: pfn, nrPages: 1, level: 'pte', cause: 'c' },
    { type: 'folio/freed', folio: pfn, cause: 'c' },
    { type: 'process/exited', pid, cause: 'c' },
  ]
  const f = join(dir, `${name}.jsonl`)
  writeFileSync(f, ev.map((e) => JSON.stringify(e)).join('\n') + '\n')
  return f
}

describe('JSONL with values at the schema\'s edges', () => {
  it('a folio PFN of 2^53-1 (pid 2^24): violations at events #2.. naming the PFN, exit 1, under every scheme too', async () => {
    const f = jsonl('pfn', 2 ** 24, 4096, MAXU)
    for (const extra of [[], ['--strategy', 'all']]) {
      const r = await mmsimIn('replay', f, ...extra)
      expect(r.status, r.stderr).toBe(1)
      expect(r.stderr).toBe('')
      // hand-derived: the allocation (event #2, counting from 0 after the header line) is beyond the largest PFN,
      // so the folio is never allocated and the events that name it break their preconditions
      expect(r.stdout).toMatch(/#2 folio\/allocated \(c\): folio 0x1fffffffffffff of order 0 lies beyond the largest PFN/)
      expect(r.stdout).toMatch(/#3 rmap\/newAnonAdded \(c\): folio 0x1fffffffffffff is not allocated/)
    }
  })

  it.each([
    ['pid 2^53-1, vpn 2^40, PFN 2^31', MAXU, 2 ** 40, 2 ** 31],
    ['pid 2^24 + 5, vpn 5, PFN 2^30', 2 ** 24 + 5, 5, 2 ** 30],
  ])('%s: replay, inspect, diff, bisect and waste end with a status below 2 and no stack trace', async (name, pid, vpn, pfn) => {
    const f = jsonl(name.replace(/\W+/g, '-'), pid, vpn, pfn)
    for (const args of [['replay', f, '--strategy', 'all'], ['inspect', f, '--at', '4', '--all'], ['diff', f, '--a', 'linux-6.1', '--b', 'linux-6.15'], ['bisect', f, '--a', 'linux-6.1', '--truth'], ['waste', f]]) {
      const r = await mmsimIn(...args)
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBeLessThan(2)
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
    }
  })
})
