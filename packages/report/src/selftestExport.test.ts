import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { parseScenario, simulateScenario, type ParsedScenario } from '@mmsim/kernel'
import { ADVICE_NUMBERS, runAttempt } from '../../kernel/src/live/runAttempt.ts'
import { SLOT_BASE, SLOT_STRIDE } from '../../kernel/src/live/observeCheck.ts'
import type { RunnerClient } from '../../kernel/src/live/runnerClient.ts'
import { cString, exportSelftestC, SELFTEST_ADVICE, SELFTEST_SLOT_BASE, SELFTEST_SLOT_STRIDE } from './selftestExport.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-selftest-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const corpus = (name: string): ParsedScenario => {
  const file = fileURLToPath(new URL(`../../../traces/scenarios/${name}.scenario`, import.meta.url))
  return parseScenario(readFileSync(file, 'utf8'), file)
}
const exported = (s: ParsedScenario): string => exportSelftestC(s, simulateScenario(s).observation)
const hasCc = spawnSync('cc', ['--version']).status === 0
if (!hasCc) console.log('selftestExport.test: compile tests skipped: no C compiler (cc)')

/** the (slot, instruction) pairs of the generated steps[] table, forks written as the runner gets them */
function stepInstructions(c: string): [number, string][] {
  const table = c.slice(c.indexOf('static const struct step steps[] = {'), c.indexOf('static const struct region'))
  const out: [number, string][] = []
  for (const m of table.matchAll(/^\t\{(STEP_\w+), \d+, (\d+), (\d+), "[^"]*", "([^"]*)", (?:NULL|"\w+")\},$/gm)) {
    if (m[1] === 'STEP_CHECK') continue
    out.push([Number(m[2]), m[1] === 'STEP_FORK' ? `fork ${m[3]}` : m[4]!])
  }
  return out
}

/** the worker instructions the live runner's client (runAttempt) sends for @s, from a fake runner that accepts every op */
async function runnerInstructions(s: ParsedScenario): Promise<[number, string][]> {
  const sent: [number, string][] = []
  const fake = {
    async worker(slot: number, op: string) {
      sent.push([slot, op])
      return { ok: true, value: '1' }
    },
    async pages(_slot: number, _addr: number, n: number) {
      return Array.from({ length: n }, () => ({ present: false, pagemap: 0n }))
    },
  } as unknown as RunnerClient
  await runAttempt(fake, s, 0)
  return sent
}

const SAMPLES = ['cow-pte-mapped-thp', 'cow-hugetlb-2M-child-writes', 'continue-shmem-after-fork', 'collapse-refused-hugetlb', 'hvo-on-private-fork', 'cow-partially-mremapped-thp']

describe('exportSelftestC', () => {
  test('the live runner constants it repeats are the runner client\'s', () => {
    expect(SELFTEST_ADVICE).toEqual(ADVICE_NUMBERS)
    expect([SELFTEST_SLOT_BASE, SELFTEST_SLOT_STRIDE]).toEqual([SLOT_BASE, SLOT_STRIDE])
  })

  test.each(SAMPLES)('%s: the program sends the workers exactly what the live runner sends', async (name) => {
    const s = corpus(name)
    expect(stepInstructions(exported(s))).toEqual(await runnerInstructions(s))
  })

  test('expected pages, plan and refusals of cow-pte-mapped-thp as worked out from its observation', () => {
    const c = exported(corpus('cow-pte-mapped-thp'))
    // line 8: p0 A, one folio of order 9 PMD-mapped then split into PTEs: every page mapcount 1, exclusive,
    // label 0 (512 equal pages: one run); line 11 after fork + p1's write of page 0: p0 page 0 still alone
    // (mapcount 1, exclusive), pages 1..511 shared by p0 and p1 (mapcount 2, not exclusive); p1 page 0 a new
    // order-0 folio (label 1)
    expect(c).toContain(
      [
        '\t{512UL, 1, 1, 9, 1, 0, 0},',
        '\t{1UL, 1, 1, 9, 1, 0, 0},',
        '\t{511UL, 1, 0, 9, 2, 0, 0},',
        '\t{1UL, 1, 1, 0, 1, 1, 0},',
        '\t{511UL, 1, 0, 9, 2, 0, 0},',
      ].join('\n'),
    )
    // three mappings checked (1 at line 8, 2 at line 11) + the refusals test
    expect(c).toContain('#define NTESTS 4\n')
    expect(c).toContain('#define NREFUSED 0\n')
    expect(c).toContain('#define NSLOTS 2\n')
  })

  test('a refusal the model predicts is expected with its errno', () => {
    const s = corpus('collapse-refused-hugetlb')
    const doc = simulateScenario(s).observation
    expect(doc.refused.length).toBeGreaterThan(0)
    const c = exportSelftestC(s, doc)
    for (const r of doc.refused) expect(c).toMatch(new RegExp(`^\\t\\{STEP_\\w+, ${r.line}, \\d+, \\d+, "${r.op}", "[^"]*", "${r.errno}"\\},$`, 'm'))
  })

  test('cString escapes quotes, backslashes, ? (trigraphs) and non-ASCII bytes', () => {
    // é is UTF-8 0xc3 0xa9 = octal 303 251
    expect(cString('a"b\\c?d\né')).toBe('"a\\"b\\\\c\\077d\\012\\303\\251"')
  })

  test.skipIf(!hasCc).each(SAMPLES)('%s builds with cc -Wall -Werror', (name) => {
    const src = join(dir, `${name}.c`)
    writeFileSync(src, exported(corpus(name)))
    const r = spawnSync('cc', ['-Wall', '-Werror', '-o', join(dir, name), src], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
