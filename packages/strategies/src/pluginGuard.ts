import { writeSync } from 'node:fs'
import { Worker } from 'node:worker_threads'

/**
 * The boundary around plugin schemes (issue 15), beside the frozen event copies of strategySet.ts:
 * - process.exit() called by plugin code never ends mmsim silently: inside an event call it throws (the
 *   caller turns it into a PluginError naming the scheme and the event); anywhere else where a plugin's
 *   module is on the stack (its import, a query, a timer) mmsim prints one line naming it and exits 2.
 * - a time budget per event call ({@link pluginBudgetMs}): a call that returns after its budget is a
 *   PluginError; a call that does not return (an endless loop) is caught by a watchdog thread, which prints
 *   one line naming the scheme and ends the process (SIGTERM: the main thread cannot be interrupted) once the
 *   call has run for twice its budget plus a second.
 */

interface LoadedPlugin {
  id: string
  url: string
}

const plugins: LoadedPlugin[] = []
/** plugin module URL -> the scheme ids it provides ('' while it is being imported) */
const modules = new Map<string, string>()
let realExit: ((code?: number) => never) | null = null
/** [0] call sequence number, [1] 1 while a plugin call runs, [2] index of the plugin in `plugins` */
let beat: Int32Array | null = null
let watchdog: Worker | null = null
let current = -1

/** pluginBudgetMs - the time one plugin call may take: MMSIM_PLUGIN_BUDGET_MS, default 5000 ms. */
export function pluginBudgetMs(): number {
  const v = Number(process.env['MMSIM_PLUGIN_BUDGET_MS'])
  return Number.isFinite(v) && v > 0 ? v : 5000
}

/** PluginExit - what process.exit() throws when called from inside a plugin call. */
export class PluginExit extends Error {}

/**
 * guardPlugin - put the boundary in place for the plugin module at @url that provides schemes @ids (the
 * process.exit() guard and the watchdog are installed on the first call).
 */
export function guardPlugin(url: string, ids: readonly string[]): void {
  for (const id of ids) plugins.push({ id, url })
  modules.set(url, ids.join(', '))
  if (realExit === null) {
    const exit = process.exit.bind(process) as (code?: number) => never
    realExit = exit
    process.exit = ((code?: number | string | null) => {
      if (current >= 0) throw new PluginExit(`called process.exit(${code ?? ''})`)
      const stack = new Error().stack ?? ''
      const url = [...modules.keys()].find((u) => stack.includes(u))
      if (url === undefined) return exit(code === undefined || code === null ? undefined : Number(code))
      const ids = modules.get(url)!
      writeSync(2, `mmsim: ${ids === '' ? 'plugin' : `scheme '${ids}'`} ${url} called process.exit(${code ?? ''}) outside an event; mmsim stops\n`)
      return exit(2)
    }) as typeof process.exit
  }
  if (watchdog === null) startWatchdog()
  watchdog!.postMessage(plugins.map((p) => p.id))
}

function startWatchdog(): void {
  beat = new Int32Array(new SharedArrayBuffer(12))
  const src = `
const { workerData: a, parentPort } = require('node:worker_threads')
const fs = require('node:fs')
let names = [], last = -1, since = Date.now()
parentPort.on('message', (m) => { names = m })
setInterval(() => {
  const seq = Atomics.load(a.beat, 0)
  if (Atomics.load(a.beat, 1) === 0 || seq !== last) { last = seq; since = Date.now(); return }
  if (Date.now() - since <= a.limit) return
  const id = names[Atomics.load(a.beat, 2)] ?? '?'
  fs.writeSync(2, 'mmsim: scheme \\'' + id + '\\' has run for more than ' + a.limit + ' ms on one event (an endless loop?); mmsim stops\\n')
  process.kill(process.pid, 'SIGTERM')
}, Math.max(10, Math.min(200, a.limit / 8)))
`
  // the watchdog gives a call twice its budget plus a second: a slow call that returns is the PluginError of inPlugin()
  watchdog = new Worker(src, { eval: true, workerData: { beat, limit: 2 * pluginBudgetMs() + 1000 } })
  watchdog.unref()
}

/**
 * inPlugin - run @fn, plugin @id's code, inside the boundary: process.exit() throws, the watchdog watches,
 * and a call that took longer than the budget throws afterwards.
 * @returns what @fn returns
 */
export function inPlugin<T>(id: string, fn: () => T): T {
  const k = plugins.findIndex((p) => p.id === id)
  const b = beat
  const outer = current
  current = k < 0 ? plugins.length : k
  if (b !== null) {
    Atomics.add(b, 0, 1)
    Atomics.store(b, 2, current)
    Atomics.store(b, 1, 1)
  }
  const t0 = performance.now()
  try {
    const r = fn()
    const ms = performance.now() - t0
    const budget = pluginBudgetMs()
    if (ms > budget) throw new Error(`took ${Math.round(ms)} ms, over its budget of ${budget} ms per event (MMSIM_PLUGIN_BUDGET_MS)`)
    return r
  } finally {
    current = outer
    if (b !== null && outer < 0) Atomics.store(b, 1, 0)
  }
}
