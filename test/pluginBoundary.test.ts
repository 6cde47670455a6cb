// A scheme from a plugin module runs behind a boundary: what it throws is one line naming it, and the event
// it gets is a frozen copy (it cannot change the ground truth's event or the next scheme's).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { mmsim, ROOT } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-plugin-'))
const base = pathToFileURL(join(ROOT, 'packages/strategies/examples/fileThpEverySubpage.js')).href
const plugin = (name: string, body: string): string => {
  const file = join(dir, `${name}.js`)
  writeFileSync(file, `import base from '${base}'\nlet n = 0\nexport default { ...base, id: '${name}', apply(s, e, t) { n++; ${body}; return base.apply(s, e, t) } }\n`)
  return file
}
const TRACE = 'traces/fork-cow-pmd-thp.mmtrace'

describe('plugin schemes behind a boundary', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a plugin that throws on its 5th event: exit 2, one line naming the scheme, the event and what it threw', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('thrower', "if (n === 5) throw new Error('boom')"))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: scheme 'thrower' threw on [a-z]+\/[a-zA-Z]+ \([^)]*\): boom\n$/)
  })

  it('a plugin that writes to the event it was given fails the same way, and cannot change what others see', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('scribbler', "if (e.type === 'rmap/newAnonAdded') e.folio = 0"))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: scheme 'scribbler' threw on rmap\/newAnonAdded \([^)]*\): Cannot assign to read only property 'folio'[^\n]*\n$/)
  })

  it('a plugin that calls process.exit(0) on an event: exit 2, one line naming the scheme and the event, not a silent 0', () => {
    const r = mmsim('replay', TRACE, '--strategy', plugin('quitter', 'if (n === 3) process.exit(0)'))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mmsim: scheme 'quitter' threw on [a-z]+\/[a-zA-Z]+ \([^)]*\): called process\.exit\(0\)\n$/)
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
    expect(r.stderr).toMatch(/^mmsim: scheme 'slowpoke' threw on \S+ \([^)]*\): took \d+ ms, over its budget of 200 ms per event \(MMSIM_PLUGIN_BUDGET_MS\)\n$/)
  })

  it('an endless loop in a call: the watchdog names the scheme and ends the run (SIGTERM) instead of hanging', () => {
    const t0 = Date.now()
    const r = withBudget(300, 'replay', TRACE, '--strategy', plugin('spinner', 'if (n === 2) for (;;) {}'))
    expect(r.signal).toBe('SIGTERM')
    // the watchdog's limit: twice the budget plus a second
    expect(r.stderr).toBe("mmsim: scheme 'spinner' has run for more than 1600 ms on one event (an endless loop?); mmsim stops\n")
    expect(Date.now() - t0).toBeLessThan(20_000)
  })
})
