// A scheme from a plugin module runs behind a boundary: what it throws is one line naming it, and the event
// it gets is a frozen copy (it cannot change the ground truth's event or the next scheme's).
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
})
