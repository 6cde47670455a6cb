import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { afterAll, describe, expect, test } from 'vitest'
import { QUERY_NAMES } from '@mmsim/analysis'
import { JSON_FORMATS, type JsonCommand } from '@mmsim/report'
import { mmsimIn, ROOT } from './cliRun.ts'
import { simulateScenario, type ObservationDocument, type ParsedScenario } from '@mmsim/kernel'
import { diffTestSeed } from '../packages/analysis/src/diffTest.ts'
import { difftestDocument } from '../packages/cli/src/commands/difftest.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-json-schemas-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SCHEMAS = join(ROOT, 'docs/schemas')
const TRACE = 'traces/fork-cow-pmd-thp.mmtrace'
const COW_PTE = 'traces/scenarios/cow-pte-mapped-thp.scenario'
const FORK_COW = 'traces/scenarios/fork-cow-pmd-thp.scenario'
const BROKEN = './packages/strategies/examples/brokenPmdSplit.js'
const COMMANDS = Object.keys(JSON_FORMATS) as JsonCommand[]

type Schema = { $defs?: Record<string, unknown>; properties?: Record<string, { const?: string }>; required?: string[]; oneOf?: Schema[] }
const schemaOf = (c: JsonCommand): Schema => JSON.parse(readFileSync(join(SCHEMAS, `${c}.schema.json`), 'utf8')) as Schema
/**
 * closed - @schema with `additionalProperties: false` on every object schema that lists properties and says
 * nothing about others. The published schemas are open (readers ignore keys they do not know, and a new key
 * keeps the format version); the closed copies check that the schemas describe every key the CLI prints.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (schema === null || typeof schema !== 'object') return schema
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'const' || k === 'enum' ? v : closed(v)]))
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false
  return out
}

// strict: an unknown keyword or a misspelt one fails the compilation instead of being ignored
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
const open = new Map<JsonCommand, ValidateFunction>(COMMANDS.map((c) => [c, ajv.compile(schemaOf(c))]))
const complete = new Map<JsonCommand, ValidateFunction>(COMMANDS.map((c) => [c, ajv.compile(closed(schemaOf(c)) as object)]))

/** errorsWith - the errors of @doc against validator @v, one per line with where and what ('' when valid). */
function errorsWith(v: ValidateFunction, doc: unknown): string {
  if (v(doc)) return ''
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n')
}

/** errorsOf - the errors of @doc against @command's published schema ('' when valid). */
function errorsOf(command: JsonCommand, doc: unknown): string {
  return errorsWith(open.get(command)!, doc)
}

/** run - `mmsim …args` with its exit status checked; the parsed stdout document. */
async function run(status: number, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await mmsimIn(...args)
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(status)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

// every document checked below, kept for the "a missing required key is rejected" test
const seen: [JsonCommand, Record<string, unknown>][] = []

function conforms(command: JsonCommand, doc: Record<string, unknown>): void {
  expect(Object.keys(doc)[0]).toBe('format')
  expect(doc.format).toBe(JSON_FORMATS[command])
  expect(errorsOf(command, doc)).toBe('')
  expect(errorsWith(complete.get(command)!, doc), `a key docs/schemas/${command}.schema.json does not describe`).toBe('')
  seen.push([command, doc])
}

describe('every --json document has a format version first and matches docs/schemas/<command>.schema.json', () => {
  test('replay: plain, with every scheme and a plugin, decode-only', async () => {
    const plain = await run(0, 'replay', TRACE, '--json')
    conforms('replay', plain)
    expect(plain.digest).toMatch(/^[0-9a-f]{64}$/)
    const schemes = await run(0, 'replay', TRACE, '--strategy', `all,${BROKEN}`, '--json')
    conforms('replay', schemes)
    expect((schemes.strategies as { id: string }[]).map((s) => s.id)).toContain('broken-pmd-split')
    conforms('replay', await run(0, 'replay', TRACE, '--decode-only', '--json'))
    // notices (events a scheme has no rule for): HGM events under a Linux scheme
    const walk = join(dir, 'hgm-walk.mmtrace')
    await run(0, 'record', 'traces/hgm/hgm-walkthrough.scenario', '-o', walk, '--json')
    const withNotices = await run(0, 'replay', walk, '--strategy', 'linux-6.15', '--json')
    conforms('replay', withNotices)
    expect((withNotices.strategies as { notices: string[] }[])[0]!.notices).toHaveLength(2)
  })

  test('info', async () => {
    const doc = await run(0, 'info', TRACE, '--json')
    conforms('info', doc)
    expect(doc).toMatchObject({ events: 22, complete: true, damage: [] })
  })

  test('diff: the broken plugin diverges from linux-6.15; a scheme against itself does not', async () => {
    const differ = await run(1, 'diff', TRACE, '--a', 'linux-6.15', '--b', BROKEN, '--json')
    conforms('diff', differ)
    expect((differ.queries as { first: unknown }[]).some((q) => q.first !== null)).toBe(true)
    conforms('diff', await run(0, 'diff', COW_PTE, '--a', 'linux-6.15', '--b', 'linux-6.15', '--json'))
  })

  test('inspect: every scheme, and one folio with the plugin', async () => {
    conforms('inspect', await run(0, 'inspect', TRACE, '--at', '8', '--json'))
    conforms('inspect', await run(0, 'inspect', COW_PTE, '--at', '7', '--folio', '0x100400', '--strategy', `linux-6.15,${BROKEN}`, '--json'))
    const withPatches = await run(0, 'inspect', TRACE, '--at', '10', '--patches', '--json')
    conforms('inspect', withPatches)
    expect((withPatches as { patches?: unknown[] }).patches?.length).toBeGreaterThan(0)
  })

  test('strategies, with a plugin', async () => {
    const doc = await run(0, 'strategies', '--plugin', BROKEN, '--json')
    conforms('strategies', doc)
    expect((doc.strategies as { id: string }[]).at(-1)!.id).toBe('broken-pmd-split')
  })

  test('observe (simulated kernel, and under a scheme) and every stored NAME.kernel.json', async () => {
    conforms('observe', await run(0, 'observe', FORK_COW))
    conforms('observe', await run(0, 'observe', '--strategy', 'linux-6.15-no-page-mapcount', FORK_COW))
    const stored = readdirSync(join(ROOT, 'traces/scenarios')).filter((f) => f.endsWith('.kernel.json'))
    expect(stored.length).toBeGreaterThan(10)
    for (const f of stored) {
      const doc = JSON.parse(readFileSync(join(ROOT, 'traces/scenarios', f), 'utf8')) as unknown
      expect(errorsOf('observe', doc), f).toBe('')
      expect(errorsWith(complete.get('observe')!, doc), f).toBe('')
    }
  })

  test('bisect: a divergence (exit 1), none (exit 0), and --run (steps on stderr, exit 1)', async () => {
    const found = await run(1, 'bisect', COW_PTE, '--a', BROKEN, '--truth', '--json')
    conforms('bisect', found)
    expect(found).toMatchObject({ mode: 'answers', labels: ['broken-pmd-split', 'truth'], divergence: { query: 'folioMapcount', a: 513, b: 512 } })
    const none = await run(0, 'bisect', COW_PTE, '--a', 'linux-6.15', '--truth', '--json')
    conforms('bisect', none)
    expect(none.divergence).toBeNull()
    const r = await mmsimIn('bisect', TRACE, '--run', 'test "$MMSIM_PREFIX_EVENTS" -lt 12 && test -s', '--json')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^Bisecting: \d+ events left to test/m)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    conforms('bisect', doc)
    expect(doc).toMatchObject({ mode: 'run', firstBad: 12, firstBadEvent: 11, total: 22 })
  })

  test('shrink: keeping a divergence, and with --run', async () => {
    const min = join(dir, 'min.scenario')
    const doc = await run(0, 'shrink', COW_PTE, '--a', BROKEN, '--truth', '-o', min, '--json')
    conforms('shrink', doc)
    expect(doc).toMatchObject({ mode: 'divergence', query: 'folioMapcount', statements: { after: 4 }, scenario: readFileSync(min, 'utf8') })
    const byRun = await run(0, 'shrink', FORK_COW, '--run', 'test "$(grep -c write "$MMSIM_CANDIDATE")" -ge 2 && test -s', '-o', join(dir, 'run.scenario'), '--json')
    conforms('shrink', byRun)
    expect(byRun).toMatchObject({ mode: 'run', query: null, divergence: null })
  })

  test('record: a scenario recorded (and with its stored kernel observations embedded)', async () => {
    const doc = await run(0, 'record', FORK_COW, '-o', join(dir, 'rec.mmtrace'), '--json')
    conforms('record', doc)
    expect(doc).toMatchObject({ scenario: 'fork-cow-pmd-thp', checks: 3, kernelObservations: null, violations: { count: 0 } })
    const k = await run(0, 'record', FORK_COW, '-o', join(dir, 'reck.mmtrace'), '--kernel', '--stored', '--json')
    conforms('record', k)
    expect(k.kernelObservations).toBe(join(dir, 'reck.kernel.json'))
  })

  test('locks: one lock for every 4K PTE serializes 256 vCPUs, per-2M PTE-table locks do not', async () => {
    const doc = await run(0, 'locks', '--vcpus', '256', '--faults', '50', '--json')
    conforms('locks', doc)
    const d = doc.designs as { design: string; waitFraction: number }[]
    expect(d.find((x) => x.design === 'mm-page-table-lock')!.waitFraction).toBeGreaterThan(0.8)
    expect(d.find((x) => x.design === 'split-pte-ptl')!.waitFraction).toBeLessThan(0.01)
  })

  test('waste: a scenario with a pin (one failed split), a trace rerun from its header, a bare trace', async () => {
    const pinned = await run(0, 'waste', 'traces/scenarios/shmem-64K-pin-punch-split-fails.scenario', '--json')
    conforms('waste', pinned)
    expect(pinned).toMatchObject({ from: 'scenario', contents: true, failedSplitsKnown: true, splitFailures: [{ order: 4, reason: '1 extra reference (pin)' }] })
    const trace = join(dir, 'waste.mmtrace')
    await run(0, 'record', 'traces/waste/shmem-punch.scenario', '-o', trace, '--json')
    conforms('waste', await run(0, 'waste', trace, '--json'))
    expect(await run(0, 'waste', TRACE, '--json')).toMatchObject({ from: 'trace-events', contents: false, failedSplitsKnown: false })
    conforms('waste', await run(0, 'waste', TRACE, '--json'))
  })

  test('sweep: the scenario as written and two policies', async () => {
    const doc = await run(0, 'sweep', 'traces/waste/shmem-punch.scenario', '--set', 'shmem_thp.64K=always,shmem_thp.2M=never', '--set', 'shmem_thp.2M=always', '--json')
    conforms('sweep', doc)
    expect((doc.policies as { policy: string }[]).map((p) => p.policy)).toEqual(['as written', 'shmem_thp.64K=always,shmem_thp.2M=never', 'shmem_thp.2M=always'])
  })

  test('cost: rmap calls per scheme, and a plugin scheme whose own cost rows lack the rmap columns (read as 0)', async () => {
    const doc = await run(0, 'cost', COW_PTE, '--strategy', `linux-6.2,linux-6.15,${BROKEN}`, '--json')
    conforms('cost', doc)
    expect((doc.schemes as { id: string; total: { rmapCalls: number } }[]).map((s) => [s.id, s.total.rmapCalls])).toEqual([['linux-6.2', 1028], ['linux-6.15', 8], ['broken-pmd-split', 0]])
  })

  test('hvo: the seed figures for 2M and 1G (v7 and 6.18)', async () => {
    const v7 = await run(0, 'hvo', '--size', '2M', '--kernel', 'v7', '--pool', '1024G', '--json')
    conforms('hvo', v7)
    expect(v7).toMatchObject({ vmemmapPagesPerHugePage: 8, freedPerHugePage: 6, savedBytesWorst: 10 * 2 ** 30 })
    const k = await run(0, 'hvo', '--size', '1G', '--pool', '4', '--json')
    conforms('hvo', k)
    expect(k).toMatchObject({ kernel: '6.18', vmemmapPagesPerHugePage: 4096, freedPerHugePage: 4095, savedBytes: 4 * 4087 * 4096 })
  })

  test('verify --stored: an agreeing scenario and one that cannot be read (exit 2, still one document)', async () => {
    const doc = await run(2, 'verify', '--stored', '--json', FORK_COW, join(dir, 'missing.scenario'))
    conforms('verify', doc)
    expect(doc).toMatchObject({ against: 'stored', agree: false, results: [{ verdict: 'Agree', checks: 3 }, { error: expect.stringMatching(/ENOENT/) as unknown }] })
  })

  test('verify --stored: a stale stored observation (exit 3)', async () => {
    const sc = join(dir, 'stale.scenario')
    writeFileSync(sc, 'p0 mmap A 4K anon private\np0 write A\ncheck\n')
    writeFileSync(join(dir, 'stale.kernel.json'), (await mmsimIn('observe', sc)).stdout)
    writeFileSync(sc, 'p0 mmap A 4K anon private\np0 read A\ncheck\n')
    const doc = await run(3, 'verify', '--stored', '--json', sc)
    conforms('verify', doc)
    expect(doc).toMatchObject({ agree: false, results: [{ stale: true, error: expect.stringMatching(/stale observation: scenario hash [0-9a-f]{8}, stored [0-9a-f]{8}$/) as unknown }] })
  })
})

describe('difftest (the live kernel replaced by stubs: the document mmsim difftest --json prints)', () => {
  test('an agreeing seed and a differing one, shrunk', async () => {
    const model = async (s: ParsedScenario): Promise<ObservationDocument> => simulateScenario(s).observation
    // a kernel stub that sees the first present page of the first check mapped once more than the model
    const doctored = async (s: ParsedScenario): Promise<ObservationDocument> => {
      const doc = structuredClone(simulateScenario(s).observation)
      const page = doc.checks.flatMap((c) => Object.values(c.procs).flatMap((m) => Object.values(m).flat())).find((p) => p.present)
      if (page?.present) page.mapcount++
      return doc
    }
    const cases = [await diffTestSeed(3, { observe: model }), await diffTestSeed(3, { observe: doctored, shrink: true })]
    const doc = JSON.parse(difftestDocument([3, 3], cases)) as Record<string, unknown>
    conforms('difftest', doc)
    expect(doc).toMatchObject({ agree: false, summary: { agree: 1, differ: 1, skip: 0, error: 0 }, cases: [{ verdict: 'agree' }, { verdict: 'differ', shrunk: { statements: 3 } }] })
  })
})

describe('the schemas', () => {
  test('reject a document that lacks any of its required keys, or has another format; accept an unknown key, which only the completeness check refuses', async () => {
    const commands = new Set(seen.map(([c]) => c))
    expect([...commands].sort()).toEqual([...COMMANDS].sort())
    for (const [command, doc] of seen) {
      const s = schemaOf(command)
      const required = s.required ?? s.oneOf!.find((b) => isBranchOf(b, doc))!.required!
      expect(required.length).toBeGreaterThan(1)
      for (const key of required) {
        const { [key]: _gone, ...rest } = doc
        expect(errorsOf(command, rest), `${command} without ${key}`).not.toBe('')
      }
      expect(errorsOf(command, { ...doc, format: `${String(doc.format).split('/')[0]}/2` })).not.toBe('')
      expect(errorsOf(command, { ...doc, addedLater: 1 })).toBe('')
      expect(errorsWith(complete.get(command)!, { ...doc, addedLater: 1 })).toMatch(/must NOT have additional properties .*addedLater/)
    }
  })

  test('each schema names its own format; README lists every schema', async () => {
    const readme = readFileSync(join(SCHEMAS, 'README.md'), 'utf8')
    for (const c of COMMANDS) {
      const s = schemaOf(c)
      const formats = (s.oneOf ?? [s]).map((b) => b.properties!.format!.const)
      expect(new Set(formats), c).toEqual(new Set([JSON_FORMATS[c]]))
      expect(readme).toContain(`(${c}.schema.json)`)
    }
    expect(readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).sort()).toEqual(COMMANDS.map((c) => `${c}.schema.json`).sort())
  })

  test('shared definitions (event, divergence, cost row, query, answer) are the same in every schema; query names are analysis QUERY_NAMES', async () => {
    const first = new Map<string, unknown>()
    for (const c of COMMANDS) {
      for (const [name, def] of Object.entries(schemaOf(c).$defs ?? {})) {
        if (!first.has(name)) first.set(name, def)
        else expect(def, `${c} $defs.${name}`).toEqual(first.get(name))
      }
    }
    expect((first.get('query') as { enum: string[] }).enum).toEqual([...QUERY_NAMES])
  })
})

/** isBranchOf - does @doc have the `mode` constant of oneOf branch @b (the branch the document took)? */
function isBranchOf(b: Schema, doc: Record<string, unknown>): boolean {
  return (b.properties as Record<string, { const?: unknown }>).mode?.const === doc.mode
}
