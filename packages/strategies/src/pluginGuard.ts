import { writeSync } from 'node:fs'
import { Worker } from 'node:worker_threads'

/**
 * The boundary around plugin schemes (issue 15). Every call into a plugin's code — its exports read at
 * registration, init(), apply(), every query, snapshot(), restore(), costs() and the rest — goes through
 * {@link callPlugin} (guardedStrategy.ts builds the wrappers), so all of them get:
 * - one line naming the plugin, its file, the call and the event index ({@link PluginError}) for whatever
 *   the call throws;
 * - process.exit() refused: inside a call it throws (a PluginError again); anywhere else where a plugin's
 *   module is on the stack (its import, a timer) mmsim prints one line naming it and exits 2;
 * - a time budget per call ({@link pluginBudgetMs}): a call that returns after its budget is a PluginError;
 *   a call that does not return (an endless loop) is caught by a watchdog thread, which prints one line
 *   naming the plugin, the call and the event and ends the process (SIGTERM: the main thread cannot be
 *   interrupted) once the call has run for twice its budget plus a second. The import of a plugin module is
 *   watched too.
 */

/** PluginRef - one plugin scheme (or, while it is being registered, its module) as the boundary names it. */
export interface PluginRef {
  /** its index in the watchdog's list of names */
  readonly slot: number
  /** `plugin 'id' (file)`, or `plugin file` for the module */
  readonly label: string
}

/** the calls the boundary names, by code (the watchdog gets the same list) */
export const CALLS = [
  'registration', 'import', 'init()', 'apply()', 'snapshot()', 'restore()', 'folioMapcount()', 'pageMapcount()', 'entireMapcount()',
  'nrPagesMapped()', 'mappedShared()', 'anonExclusive()', 'partiallyMapped()', 'kpagecount()', 'pagemapExclusive()', 'costs()',
  'freeViolations()', 'checkInvariants()', 'notices()', 'hvoWrites()',
] as const

/** callCode - the code of call @name in {@link CALLS} */
export function callCode(name: (typeof CALLS)[number]): number {
  return CALLS.indexOf(name)
}

const REGISTRATION = 0
const IMPORT = 1
const INIT = 2
const APPLY = 3
const RESTORE = 5

/** where the last event the schemes saw is, for the messages: an event index ≥ 0, or one of these */
const BEFORE_FIRST = -2
const UNKNOWN = -1
let atIndex = UNKNOWN
let atType = ''
let atCause = ''

const labels: string[] = []
/** plugin module URL -> the scheme ids it provides ('' while it is being imported) */
const modules = new Map<string, string>()
let realExit: ((code?: number) => never) | null = null
/** [0] call sequence number, [1] 1 while a plugin call runs, [2] slot, [3] call code, [4] event index (or BEFORE_FIRST / UNKNOWN) */
let beat: Int32Array | null = null
let watchdog: Worker | null = null
let current = -1
let budget = 5000

/** pluginBudgetMs - the time one plugin call may take: MMSIM_PLUGIN_BUDGET_MS, default 5000 ms. */
export function pluginBudgetMs(): number {
  const v = Number(process.env['MMSIM_PLUGIN_BUDGET_MS'])
  return Number.isFinite(v) && v > 0 ? v : 5000
}

/** PluginExit - what process.exit() throws when called from inside a plugin call. */
export class PluginExit extends Error {}

/**
 * PluginError - plugin code threw, called process.exit(), ran over its budget or answered what no scheme
 * may: @userMessage is the one line the CLI prints (exit 2), `plugin 'id' (file): call failed at event N
 * (type, cause): what`.
 */
export class PluginError extends Error {
  readonly userMessage: string
  constructor(message: string) {
    super(message)
    this.name = 'PluginError'
    this.userMessage = message
  }
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim()

function where(call: number): string {
  if (call === REGISTRATION || call === IMPORT || call === RESTORE) return ''
  if (call === INIT || atIndex === BEFORE_FIRST) return ' before the first event'
  if (atIndex === UNKNOWN) return call === APPLY && atType !== '' ? ` on ${atType}${atCause === '' ? '' : ` (${atCause})`}` : ''
  return ` ${call === APPLY ? 'at' : 'after'} event ${atIndex} (${atType}${atCause === '' ? '' : `, ${atCause}`})`
}

/** pluginError - the {@link PluginError} of call @call of plugin @p that failed with @what (a thrown value or a message) */
export function pluginError(p: PluginRef, call: number, what: unknown): PluginError {
  let msg: string
  try {
    // a thrown value's message getter or toString() is plugin code too
    msg = what instanceof Error ? (String(what.message) === '' ? String(what.name) : String(what.message)) : String(what)
  } catch {
    msg = `threw ${typeof what === 'object' ? 'an object' : typeof what} that cannot be shown`
  }
  return new PluginError(`${p.label}: ${CALLS[call]} failed${where(call)}: ${oneLine(msg)}`)
}

/**
 * pluginRef - register a plugin scheme @id (or its module, @id = '') from @file with the boundary.
 * @returns the reference {@link callPlugin} takes
 */
export function pluginRef(id: string, file: string): PluginRef {
  const ref = { slot: labels.length, label: id === '' ? `plugin ${file}` : `plugin '${id}' (${file})` }
  labels.push(ref.label)
  watchdog?.postMessage(labels)
  return ref
}

/**
 * notePluginEvent - the schemes are being handed event @type (@cause); @truth is the ground truth after it,
 * whose `index` (events applied, when it has one) places it in the trace. Two stores, no allocation.
 */
export function notePluginEvent(truth: object, type: string, cause: string): void {
  const n = (truth as { index?: unknown }).index
  atIndex = typeof n === 'number' && n > 0 ? n - 1 : UNKNOWN
  atType = type
  atCause = cause
}

/** notePluginStart - a new run of the schemes starts: no event yet. */
export function notePluginStart(): void {
  atIndex = BEFORE_FIRST
  atType = ''
  atCause = ''
}

function beatOn(slot: number, call: number): void {
  const b = beat
  if (b === null) return
  Atomics.add(b, 0, 1)
  Atomics.store(b, 2, slot)
  Atomics.store(b, 3, call)
  Atomics.store(b, 4, call === INIT ? BEFORE_FIRST : atIndex > 0x7fffffff ? UNKNOWN : atIndex)
  Atomics.store(b, 1, 1)
}

/**
 * callPlugin - call @fn (plugin @p's code) with `this` = @self and arguments @a, @b, @c as call @call of
 * {@link CALLS}: inside the boundary (process.exit() throws, the watchdog watches, a call over the budget
 * throws once it returns); whatever it throws becomes a {@link PluginError}. No allocation of its own.
 * @returns what @fn returns
 */
export function callPlugin(p: PluginRef, call: number, fn: (...args: never[]) => unknown, self: unknown, a?: unknown, b?: unknown, c?: unknown): unknown {
  const outer = current
  current = p.slot
  beatOn(p.slot, call)
  const t0 = performance.now()
  let r: unknown
  try {
    r = (fn as (this: unknown, a: unknown, b: unknown, c: unknown) => unknown).call(self, a, b, c)
  } catch (err) {
    throw err instanceof PluginError ? err : pluginError(p, call, err)
  } finally {
    current = outer
    if (beat !== null && outer < 0) Atomics.store(beat, 1, 0)
  }
  const ms = performance.now() - t0
  if (ms > budget) throw pluginError(p, call, `took ${Math.round(ms)} ms, over its budget of ${budget} ms per call (MMSIM_PLUGIN_BUDGET_MS)`)
  return r
}

/**
 * importPlugin - import the plugin module at @url (plugin @p) with the watchdog watching: an import that
 * never returns (an endless loop in the module's top level) ends mmsim with one line. process.exit() from
 * the module's code is the exit guard's "outside an event" line (its stack names the module).
 * @returns the module namespace
 */
export async function importPlugin(p: PluginRef, url: string): Promise<Record<string, unknown>> {
  beatOn(p.slot, IMPORT)
  try {
    return (await import(url)) as Record<string, unknown>
  } finally {
    if (beat !== null && current < 0) Atomics.store(beat, 1, 0)
  }
}

/**
 * guardPlugin - put the boundary in place for the plugin module at @url that provides schemes @ids (the
 * process.exit() guard and the watchdog are installed on the first call; the budget is read then).
 */
export function guardPlugin(url: string, ids: readonly string[]): void {
  modules.set(url, ids.join(', '))
  if (realExit === null) {
    budget = pluginBudgetMs()
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
    }) as typeof process.exit    // what plugin code throws or rejects outside a call (its own timers, promises it never returned) reaches
    // the process: one line naming the module, never Node's stack trace and exit 1
    process.on('uncaughtException', (e) => asyncFailure(e, 'threw'))
    process.on('unhandledRejection', (e) => asyncFailure(e, 'left a promise rejected'))
  }
  if (watchdog === null) startWatchdog()
}

/**
 * asyncFailure - an exception or rejection nothing handled while plugin modules are loaded: one line naming
 * the plugin module whose code is on its stack (exit 2), else mmsim's own internal error (exit 70).
 */
function asyncFailure(e: unknown, what: string): never {
  const exit = realExit ?? ((c?: number) => process.exit(c))
  const stack = e instanceof Error ? (e.stack ?? '') : ''
  const url = [...modules.keys()].find((u) => stack.includes(u))
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]
  if (url !== undefined) {
    const ids = modules.get(url)!
    writeSync(2, `mmsim: ${ids === '' ? 'plugin' : `scheme '${ids}'`} ${url} ${what} outside a call: ${msg}; mmsim stops\n`)
    return exit(2)
  }
  if (!(e instanceof Error)) {
    writeSync(2, `mmsim: a promise was rejected with ${msg} and nothing handled it, with plugin modules loaded (${[...modules.keys()].join(', ')}); mmsim stops\n`)
    return exit(2)
  }
  writeSync(2, `mmsim: internal error: ${stack}\n`)
  return exit(70)
}

function startWatchdog(): void {
  beat = new Int32Array(new SharedArrayBuffer(20))
  const src = `
const { workerData: a, parentPort } = require('node:worker_threads')
const fs = require('node:fs')
let names = a.names, last = -1, since = Date.now()
parentPort.on('message', (m) => { names = m })
setInterval(() => {
  const seq = Atomics.load(a.beat, 0)
  if (Atomics.load(a.beat, 1) === 0 || seq !== last) { last = seq; since = Date.now(); return }
  if (Date.now() - since <= a.limit) return
  const call = a.calls[Atomics.load(a.beat, 3)] ?? 'a call'
  const at = Atomics.load(a.beat, 4)
  const where = call === 'registration' || call === 'import' || call === 'restore()' ? '' : at === -2 ? ' before the first event' : at < 0 ? '' : (call === 'apply()' ? ' at' : ' after') + ' event ' + at
  fs.writeSync(2, 'mmsim: ' + (names[Atomics.load(a.beat, 2)] ?? 'plugin') + ': ' + call + ' has run for more than ' + a.limit + ' ms' + where + ' (an endless loop?); mmsim stops\\n')
  process.kill(process.pid, 'SIGTERM')
}, Math.max(10, Math.min(200, a.limit / 8)))
`
  // the watchdog gives a call twice its budget plus a second: a slow call that returns is the PluginError of callPlugin()
  watchdog = new Worker(src, { eval: true, workerData: { beat, limit: 2 * budget + 1000, calls: CALLS, names: labels } })
  watchdog.unref()
}
