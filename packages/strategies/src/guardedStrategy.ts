import { assertNever, type MmEvent } from '@mmsim/core'
import { callCode, callPlugin, CALLS, notePluginEvent, pluginError, pluginRef, type PluginRef } from './pluginGuard.ts'
import type { AnyStrategy, TruthView } from './strategy.ts'

/** the methods every strategy has (checkStrategy) and the optional ones a plugin may have */
export const METHODS = [
  'init', 'apply', 'snapshot', 'restore', 'folioMapcount', 'pageMapcount', 'entireMapcount', 'nrPagesMapped', 'mappedShared',
  'anonExclusive', 'partiallyMapped', 'kpagecount', 'pagemapExclusive', 'costs', 'freeViolations',
] as const
const OPTIONAL = ['checkInvariants', 'notices', 'hvoWrites'] as const
type Method = (typeof METHODS)[number] | (typeof OPTIONAL)[number]

const ANY = 0
const COUNT = 1
const COUNT_OR_NULL = 2
const BOOL = 3
const BOOL_OR_NULL = 4
const MAP = 5
const LIST = 6
/** ResultKind - what a call may return: anything, or one of the checked shapes above */
type ResultKind = typeof ANY | typeof COUNT | typeof COUNT_OR_NULL | typeof BOOL | typeof BOOL_OR_NULL | typeof MAP | typeof LIST

/** what each call must return (docs/mapcount-schemes.md: counts are non-negative integers) */
const RESULT: Record<Method, ResultKind> = {
  init: ANY, apply: ANY, snapshot: ANY, restore: ANY,
  folioMapcount: COUNT, pageMapcount: COUNT_OR_NULL, entireMapcount: COUNT, nrPagesMapped: COUNT_OR_NULL, kpagecount: COUNT, hvoWrites: COUNT,
  mappedShared: BOOL, anonExclusive: BOOL, pagemapExclusive: BOOL, partiallyMapped: BOOL_OR_NULL,
  costs: MAP, freeViolations: LIST, checkInvariants: LIST, notices: LIST,
}

const WANT: Record<ResultKind, string> = ['', 'a count (a non-negative integer)', 'a count (a non-negative integer) or null', 'a boolean', 'a boolean or null', 'a Map of cost rows', 'an array of strings']

function fits(kind: ResultKind, v: unknown): boolean {
  switch (kind) {
    case ANY: return true
    case COUNT: return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    case COUNT_OR_NULL: return v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
    case BOOL: return typeof v === 'boolean'
    case BOOL_OR_NULL: return v === null || typeof v === 'boolean'
    case MAP: return v instanceof Map
    case LIST: return Array.isArray(v)
    default: return assertNever(kind, 'result kind')
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null || v === undefined) return String(v)
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`
}

/** @r if it is no Promise: an async call would do its work (or fail) after mmsim has used its result */
function notAsync(p: PluginRef, code: number, r: unknown): unknown {
  if (!(r instanceof Promise)) return r
  r.catch(() => {}) // its rejection is this error, not an unhandled rejection later
  throw pluginError(p, code, 'returned a Promise; the calls of a scheme are synchronous')
}

/**
 * missingOf - what @x lacks of the Strategy shape (empty: it has it). Reads @x's properties: plugin code
 * when @x is a plugin's export (run it inside the boundary).
 */
export function missingOf(x: unknown): string[] {
  const o = x as Record<string, unknown> | null
  if (o === null || typeof o !== 'object') return ['everything (the export is not an object)']
  const missing: string[] = []
  if (typeof o.id !== 'string' || o.id === '') missing.push('id')
  if (!(o.handles instanceof Set)) missing.push('handles (a Set of event types)')
  if (typeof o.description !== 'object' || o.description === null) missing.push('description')
  const p = o.precision as Record<string, unknown> | undefined
  if (p === undefined || typeof p.mappedShared !== 'string' || typeof p.partiallyMapped !== 'string') missing.push('precision')
  for (const m of METHODS) if (typeof o[m] !== 'function') missing.push(`${m}()`)
  return missing
}

/** PluginExports - a plugin module's schemes as registration read them: raw objects, or what one of them lacks. */
type PluginExports = { ok: true; raws: Record<string, unknown>[] } | { ok: false; message: string }

function readExports(mod: Record<string, unknown>, path: string): PluginExports {
  const list = mod.strategies
  const many = Array.isArray(list)
  const raws = many ? [...(list as unknown[])] : [mod.default ?? mod.strategy]
  if (!many && raws[0] === undefined) return { ok: false, message: `${path}: exports no strategy (default, strategy or strategies)` }
  for (let i = 0; i < raws.length; i++) {
    const missing = missingOf(raws[i])
    const from = many ? `${path} strategies[${i}]` : path
    if (missing.length > 0) return { ok: false, message: `${from}: not a strategy, missing ${missing.join(', ')}` }
  }
  return { ok: true, raws: raws as Record<string, unknown>[] }
}

/** the fields mmsim reads of a scheme, copied once so that no getter of the plugin's runs later */
function readFields(raw: Record<string, unknown>): Pick<AnyStrategy, 'id' | 'handles' | 'description' | 'precision'> {
  return {
    id: raw.id as string,
    handles: new Set(raw.handles as Set<MmEvent['type']>),
    description: structuredClone(raw.description) as AnyStrategy['description'],
    precision: structuredClone(raw.precision) as AnyStrategy['precision'],
  }
}

/**
 * guardedStrategy - the scheme @raw of plugin @p as a Strategy whose every method calls @raw's through the
 * boundary (callPlugin): one closure per method, made here, none per call. apply() hands the plugin a
 * frozen copy of the event (the driver's event object is reused and shared with the ground truth) and
 * notes where the event is; a query's answer that is not what the Strategy interface allows is a
 * PluginError, never passed on. A plugin's applyOp is not used (it would get the shared EventOp).
 */
function guardedStrategy(p: PluginRef, raw: Record<string, unknown>, fields: ReturnType<typeof readFields>): AnyStrategy {
  const out: Record<string, unknown> = { ...fields }
  for (const m of [...METHODS, ...OPTIONAL]) {
    const fn = raw[m]
    if (typeof fn !== 'function') continue
    const f = fn as (...args: never[]) => unknown
    const code = callCode(`${m}()` as (typeof CALLS)[number])
    const kind = RESULT[m]
    if (m === 'apply') {
      out[m] = (s: unknown, e: MmEvent, truth: TruthView): void => {
        notePluginEvent(truth, e.type, e.cause)
        const r = callPlugin(p, code, f, raw, s, Object.freeze({ ...e }), truth)
        if (r !== undefined) notAsync(p, code, r)
      }
    } else if (kind === ANY) {
      out[m] = (a: unknown, b: unknown, c: unknown): unknown => notAsync(p, code, callPlugin(p, code, f, raw, a, b, c))
    } else {
      out[m] = (a: unknown, b: unknown, c: unknown): unknown => {
        const r = callPlugin(p, code, f, raw, a, b, c)
        if (!fits(kind, r)) {
          const arg = typeof b === 'number' ? ` for PFN 0x${b.toString(16)}${typeof c === 'string' ? ` (${c})` : ''}` : ''
          throw pluginError(p, code, `returned ${show(r)}${arg}; it must return ${WANT[kind]}`)
        }
        return r
      }
    }
  }
  return out as unknown as AnyStrategy
}

/**
 * registerPlugin - the schemes module @mod (plugin @module, imported from @path) exports — `default`, `strategy` or an
 * array `strategies` — each checked for the Strategy shape and wrapped in the boundary
 * ({@link guardedStrategy}). Reading the exports is plugin code (getters), so it runs inside the boundary
 * too: what it throws is a PluginError naming the module.
 * @returns the guarded schemes, or the message of what the module lacks
 */
export function registerPlugin(module: PluginRef, mod: Record<string, unknown>, path: string): AnyStrategy[] | string {
  const reg = callCode('registration')
  const found = callPlugin(module, reg, readExports, undefined, mod, path) as PluginExports
  if (!found.ok) return found.message
  return found.raws.map((raw) => {
    const fields = callPlugin(module, reg, readFields, undefined, raw) as ReturnType<typeof readFields>
    return guardedStrategy(pluginRef(fields.id, path), raw, fields)
  })
}
