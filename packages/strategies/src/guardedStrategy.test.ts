import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { registerPlugin } from './guardedStrategy.ts'
import { PluginError, pluginRef } from './pluginGuard.ts'
import type { AnyStrategy } from './strategy.ts'

const example = fileURLToPath(new URL('../examples/fileThpEverySubpage.js', import.meta.url))
const base = ((await import(example)) as { default: Record<string, unknown> }).default

/** the example scheme with @over replacing some of its methods, registered as the module `file.js` would be */
function guarded(over: Record<string, unknown>): AnyStrategy {
  const out = registerPlugin(pluginRef('', 'file.js'), { default: { ...base, id: 'odd', ...over } }, 'file.js')
  if (typeof out === 'string') throw new Error(out)
  return out[0]!
}

describe('a plugin query answers only what the Strategy interface allows', () => {
  test.each([NaN, -1, 1.5, Infinity, 2 ** 53, '3', undefined, null, {}])('folioMapcount() returning %s is a PluginError naming the plugin and the query', (v) => {
    const st = guarded({ folioMapcount: () => v })
    expect(() => st.folioMapcount(st.init(), 0x200)).toThrow(PluginError)
    expect(() => st.folioMapcount(st.init(), 0x200)).toThrow(/^plugin 'odd' \(file\.js\): folioMapcount\(\) failed[^\n]*: returned [^\n]+ for PFN 0x200; it must return a count \(a non-negative integer\)$/)
  })

  test('null is "not tracked" for pageMapcount() and nrPagesMapped(), not for the other counts; booleans must be booleans', () => {
    const st = guarded({ pageMapcount: () => null, nrPagesMapped: () => null, entireMapcount: () => null, mappedShared: () => 1, pagemapExclusive: () => true })
    const s = st.init()
    expect(st.pageMapcount(s, 1)).toBe(null)
    expect(st.nrPagesMapped(s, 1)).toBe(null)
    expect(st.pagemapExclusive(s, 1, 'pte')).toBe(true)
    expect(() => st.entireMapcount(s, 1)).toThrow(/entireMapcount\(\) failed[^\n]*: returned null for PFN 0x1; it must return a count/)
    expect(() => st.mappedShared(s, 1)).toThrow(/mappedShared\(\) failed[^\n]*: returned 1 for PFN 0x1; it must return a boolean$/)
  })

  test('the example plugin behind the boundary answers as it does without it', () => {
    const st = guarded({})
    const s = st.init()
    expect(st.folioMapcount(s, 0x200)).toBe((base.folioMapcount as AnyStrategy['folioMapcount'])(s, 0x200 as never))
    expect(st.costs(s)).toBeInstanceOf(Map)
    expect(st.applyOp).toBeUndefined()
  })
})

describe('what a plugin call throws or returns is one line, whatever it is', () => {
  test('an async apply() or init() is a PluginError (its rejection is not left unhandled)', () => {
    const st = guarded({ apply: () => Promise.reject(new Error('later')), init: async () => ({}) })
    expect(() => st.init()).toThrow(/^plugin 'odd' \(file\.js\): init\(\) failed before the first event: returned a Promise; the calls of a scheme are synchronous$/)
    expect(() => st.apply({}, { type: 'process/created', pid: 1, cause: 'x' } as never, { folio: () => undefined })).toThrow(/apply\(\) failed[^\n]*: returned a Promise/)
  })

  test('a thrown non-Error, a multi-line message and a message getter that throws', () => {
    const bad = { get message(): string { throw new Error('no') } }
    Object.setPrototypeOf(bad, Error.prototype)
    expect(() => guarded({ kpagecount: () => { throw 42 } }).kpagecount({}, 1 as never)).toThrow(/kpagecount\(\) failed[^\n]*: 42$/)
    expect(() => guarded({ kpagecount: () => { throw new Error('a\n  b') } }).kpagecount({}, 1 as never)).toThrow(/kpagecount\(\) failed[^\n]*: a b$/)
    expect(() => guarded({ kpagecount: () => { throw bad } }).kpagecount({}, 1 as never)).toThrow(/kpagecount\(\) failed[^\n]*: threw an object that cannot be shown$/)
  })
})
