// A scheme from a plugin module runs behind a boundary (packages/strategies/src/pluginGuard.ts,
// guardedStrategy.ts): every call into its code — registration, init(), apply(), the queries, snapshot(),
// restore(), costs() — fails as one line naming the plugin, its file, the call and the event index (exit 2),
// under the time budget and the watchdog; the event it gets is a frozen copy (it cannot change the ground
// truth's event or the next scheme's); a query's answer that is no count is an error, not an answer.
// Misbehaving plugins: fixtures/pluginBoundary/ (and small ones written to a temp dir below).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { replayTraceWithStrategies } from '@mmsim/analysis'
import { loadStrategies, PluginError, StrategySet } from '@mmsim/strategies'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsim, mmsimIn, ROOT } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-plugin-'))
const base = pathToFileURL(join(ROOT, 'packages/strategies/examples/fileThpEverySubpage.js')).href
const plugin = (name: string, body: string): string => {
  const file = join(dir, `${name}.js`)
  writeFileSync(file, `import base from '${base}'\nlet n = 0\nexport default { ...base, id: '${name}', apply(s, e, t) { n++; ${body}; return base.apply(s, e, t) } }\n`)
  return file
}
const TRACE = 'traces/fork-cow-pmd-thp.mmtrace'
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** a fixture plugin, as the CLI is given it (relative to ROOT) */
const fixture = (name: string): string => `test/fixtures/pluginBoundary/${name}.js`

describe('plugin schemes behind a boundary', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a plugin that throws on its 5th event: exit 2, one line naming the scheme, the event and what it threw', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('thrower', "if (n === 5) throw new Error('boom')"))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(new RegExp(`^mmsim: plugin 'thrower' \\(${esc(dir)}/thrower\\.js\\): apply\\(\\) failed at event 9 \\(folio/allocated, [^)]*\\): boom\n$`))
  })

  it('a plugin that writes to the event it was given fails the same way, and cannot change what others see', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('scribbler', "if (e.type === 'rmap/newAnonAdded') e.folio = 0"))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: plugin 'scribbler' \([^)]*\): apply\(\) failed at event 4 \(rmap\/newAnonAdded, [^)]*\): Cannot assign to read only property 'folio'[^\n]*\n$/)
  })

  it('a plugin that calls process.exit(0) on an event: exit 2, one line naming the scheme and the event, not a silent 0', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('quitter', 'if (n === 3) process.exit(0)'))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: plugin 'quitter' \([^)]*\): apply\(\) failed at event \d+ \([a-z]+\/[a-zA-Z]+, [^)]*\): called process\.exit\(0\)\n$/)
  })

  it('a plugin module that calls process.exit(0) while it is imported: exit 2, naming the module', () => {
    const file = join(dir, 'quitAtImport.js')
    writeFileSync(file, `import base from '${base}'\nprocess.exit(0)\nexport default { ...base, id: 'quit-at-import' }\n`)
    const r = mmsim('replay', TRACE, '--strategy', file)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`mmsim: plugin ${pathToFileURL(file).href} called process.exit(0) outside an event; mmsim stops\n`)
  })

  const withBudget = (ms: number, ...args: string[]) => {
    const r = spawnSync(process.execPath, ['dist/mmsim.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MMSIM_PLUGIN_BUDGET_MS: String(ms) }, timeout: 60_000 })
    return { status: r.status, signal: r.signal, stderr: r.stderr }
  }

  it('a call over the time budget (MMSIM_PLUGIN_BUDGET_MS=200, one event busy for 400 ms): exit 2 naming the scheme and the budget', () => {
    const r = withBudget(200, 'replay', TRACE, '--strategy', plugin('slowpoke', 'if (n === 4) { const t = Date.now(); while (Date.now() - t < 400) {} }'))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: plugin 'slowpoke' \([^)]*\): apply\(\) failed at event \d+ \(\S+, [^)]*\): took \d+ ms, over its budget of 200 ms per call \(MMSIM_PLUGIN_BUDGET_MS\)\n$/)
  })

  it('an endless loop in a call: the watchdog names the scheme and ends the run (SIGTERM) instead of hanging', () => {
    const t0 = Date.now()
    const r = withBudget(300, 'replay', TRACE, '--strategy', plugin('spinner', 'if (n === 2) for (;;) {}'))
    expect(r.signal).toBe('SIGTERM')
    // the watchdog's limit: twice the budget plus a second
    expect(r.stderr).toMatch(/^mmsim: plugin 'spinner' \([^)]*\): apply\(\) has run for more than 1600 ms at event \d+ \(an endless loop\?\); mmsim stops\n$/)
    expect(Date.now() - t0).toBeLessThan(20_000)
  })

  // a misbehaving plugin fails at the first call of its kind: one line naming it, its file, the call and the
  // event index (the position in the trace: event 3 is fork-cow-pmd-thp's folio/allocated, the first event
  // after which diff asks folio_mapcount(); event 21, check/marked, its last)
  const oneLine = (r: { status: number; stdout: string; stderr: string }, line: string) => {
    expect(r.stderr).toBe(`mmsim: ${line}\n`)
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
    expect(r.status).toBe(2)
  }

  it('a query that throws (diff asks folio_mapcount()): exit 2, one line naming the plugin, the query and the event after which it was asked', async () => {
    oneLine(
      await mmsimIn('diff', TRACE, '--a', 'linux-6.15', '--b', fixture('queryThrows')),
      `plugin 'query-throws' (${fixture('queryThrows')}): folioMapcount() failed after event 6 (rmap/anonDuplicated, fork-cow-pmd-thp.scenario:6): no mapcount here`,
    )
  })

  it('a query that answers NaN: exit 2, one line naming the plugin, the query and the folio, never a silently wrong answer', async () => {
    oneLine(
      await mmsimIn('diff', TRACE, '--a', 'linux-6.15', '--b', fixture('queryNaN')),
      `plugin 'query-nan' (${fixture('queryNaN')}): folioMapcount() failed after event 3 (folio/allocated, fork-cow-pmd-thp.scenario:5): returned NaN for PFN 0x1000; it must return a count (a non-negative integer)`,
    )
  })

  it('cost rows that throw (replay --strategy prints them after the last event): exit 2, one line', async () => {
    oneLine(
      await mmsimIn('replay', TRACE, '--strategy', fixture('costsThrow')),
      `plugin 'costs-throw' (${fixture('costsThrow')}): costs() failed after event 21 (check/marked, fork-cow-pmd-thp.scenario:12): cost rows unavailable`,
    )
  })

  it('init() — the state constructor — that throws: exit 2, one line, before the first event', async () => {
    oneLine(
      await mmsimIn('replay', TRACE, '--strategy', fixture('initThrows')),
      `plugin 'init-throws' (${fixture('initThrows')}): init() failed before the first event: out of struct pages`,
    )
  })

  it('an export whose handles getter throws while mmsim registers it: exit 2, one line naming the module', async () => {
    oneLine(
      await mmsimIn('replay', TRACE, '--strategy', fixture('handlesGetterThrows')),
      `plugin ${fixture('handlesGetterThrows')}: registration failed: handles not ready`,
    )
  })

  // snapshot() and restore() are reached by the API only (StrategySet, replayTraceWithStrategies'
  // onStrategyCheckpoint), no CLI command calls them today: the PluginError's one line is what the CLI
  // would print (runMain: `mmsim: <userMessage>`, exit 2, as for the calls above)
  const rejection = async (p: Promise<unknown>): Promise<PluginError> => {
    const err: unknown = await p.then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(PluginError)
    return err as PluginError
  }

  it('snapshot() that throws at a checkpoint (the first is taken before frame 0): a PluginError, one line naming the plugin, the call and where', async () => {
    const strategies = await loadStrategies(fixture('snapshotThrows'), ROOT)
    const err = await rejection(replayTraceWithStrategies(join(ROOT, TRACE), { strategies, checkpointEvery: 1, onStrategyCheckpoint: () => {} }))
    expect(err.userMessage).toBe(`plugin 'snapshot-throws' (${fixture('snapshotThrows')}): snapshot() failed before the first event: cannot copy my state`)
  })

  it('restore() that throws: a PluginError, one line naming the plugin and the call', async () => {
    const set = new StrategySet(await loadStrategies(fixture('restoreThrows'), ROOT))
    const snap = set.snapshot()
    const err = await rejection(Promise.resolve().then(() => set.restore(snap)))
    expect(err.userMessage).toBe(`plugin 'restore-throws' (${fixture('restoreThrows')}): restore() failed: snapshot from another version`)
  })

  it('a query that loops for ever: the watchdog ends the run with one line naming the plugin, the query and the event', () => {
    const t0 = Date.now()
    const r = withBudget(300, 'diff', TRACE, '--a', 'linux-6.15', '--b', fixture('queryLoops'))
    expect(r.signal).toBe('SIGTERM')
    expect(r.stderr).toBe(`mmsim: plugin 'query-loops' (${fixture('queryLoops')}): folioMapcount() has run for more than 1600 ms after event 3 (an endless loop?); mmsim stops\n`)
    expect(Date.now() - t0).toBeLessThan(20_000)
  })

  it('a module whose top level loops for ever: the watchdog ends the import with one line naming the module', () => {
    const r = withBudget(300, 'replay', TRACE, '--strategy', fixture('importLoops'))
    expect(r.signal).toBe('SIGTERM')
    expect(r.stderr).toBe(`mmsim: plugin ${fixture('importLoops')}: import has run for more than 1600 ms (an endless loop?); mmsim stops\n`)
  })
  it.each([
    ['timerThrows', 'threw', 'late failure'],
    ['rejectsLater', 'left a promise rejected', 'nobody waits for me'],
  ])('plugin code failing outside any call (%s): exit 2, one line naming the module, no stack trace', async (name, what, msg) => {
    // a long trace, so that the failure lands while mmsim is still replaying (a scenario recorded on the fly)
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, ['dist/mmsim.mjs', 'replay', TRACE, '--strategy', fixture(name)], { cwd: ROOT })
      let stderr = ''
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      c.on('close', (status) => resolve({ status, stderr }))
    })
    expect(r.stderr).toMatch(new RegExp(`^mmsim: scheme '${name === 'timerThrows' ? 'timer-throws' : 'rejects-later'}' file://.*${esc(fixture(name))} ${esc(what)} outside a call: ${esc(msg)}; mmsim stops\n$`))
    expect(r.status).toBe(2)
  })
})
