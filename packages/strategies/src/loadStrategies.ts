import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { registerPlugin } from './guardedStrategy.ts'
import { guardPlugin, importPlugin, pluginRef } from './pluginGuard.ts'
import { PROPOSAL_IDS, PROPOSALS, STRATEGIES, STRATEGY_IDS, strategyById } from './registry.ts'
import type { AnyStrategy } from './strategy.ts'

/** StrategyLoadError - a `--strategy` argument that names no scheme or a module that is not one. */
export class StrategyLoadError extends Error {}

/**
 * loadPlugin - import a user's scheme from @path (a .js/.mjs module, or .ts under tsx) exporting a strategy
 * as `default`, `strategy`, or an array `strategies`. Each comes back behind the plugin boundary
 * (guardedStrategy.ts, pluginGuard.ts): every call into its code is watched and what goes wrong is a
 * PluginError, one line naming it, the call and the event.
 */
export async function loadPlugin(path: string, cwd = process.cwd()): Promise<AnyStrategy[]> {
  const abs = isAbsolute(path) ? path : resolve(cwd, path)
  const url = pathToFileURL(abs).href
  // the process.exit() guard is in place before the module's own code runs (pluginGuard.ts)
  guardPlugin(url, [])
  const module = pluginRef('', path)
  let mod: Record<string, unknown>
  try {
    mod = await importPlugin(module, url)
  } catch (err) {
    throw new StrategyLoadError(`cannot load strategy plugin ${path}: ${String(err)}`)
  }
  const out = registerPlugin(module, mod, path)
  if (typeof out === 'string') throw new StrategyLoadError(out)
  guardPlugin(url, out.map((s) => s.id))
  return out
}

const isPath = (s: string): boolean => s.startsWith('.') || s.startsWith('/') || /\.(m?js|ts)$/.test(s)

/**
 * loadStrategies - resolve a `--strategy` value: `all` (the Linux schemes), `proposals` (the proposal schemes), a comma-separated list of built-in ids, and/or
 * paths of plugin modules. Duplicate ids are an error.
 */
export async function loadStrategies(spec: string, cwd = process.cwd()): Promise<AnyStrategy[]> {
  const out: AnyStrategy[] = []
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'all') out.push(...STRATEGIES)
    else if (part === 'proposals') out.push(...PROPOSALS)
    else if (isPath(part)) out.push(...(await loadPlugin(part, cwd)))
    else {
      const s = strategyById(part)
      if (s === undefined) throw new StrategyLoadError(`unknown strategy '${part}' (known: ${STRATEGY_IDS.join(', ')}, all; proposals ${PROPOSAL_IDS.join(', ')}, proposals; or ./plugin.js)`)
      out.push(s)
    }
  }
  if (out.length === 0) throw new StrategyLoadError('no strategy named')
  const seen = new Set<string>()
  for (const s of out) {
    if (seen.has(s.id)) throw new StrategyLoadError(`strategy '${s.id}' named twice`)
    seen.add(s.id)
  }
  return out
}
