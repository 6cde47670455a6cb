#!/usr/bin/env node
// `mmsim`: runs the precompiled CLI (dist/mmsim.mjs, built by tools/buildCli.mjs in postinstall and
// `pnpm build`). In a checkout (packages/ beside this file) a missing bundle, or one older than any
// source it was built from, is rebuilt first, with one line on stderr saying so; tsx stays available
// as `pnpm mmsim:dev`.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = new URL('../', import.meta.url)
const bundle = new URL('dist/mmsim.mjs', root)
const checkout = existsSync(new URL('packages/cli/src/main.ts', root))

/** staleness - why the bundle cannot be run as it is, or undefined if it can. */
function staleness() {
  let built
  try {
    built = statSync(bundle).mtimeMs
  } catch {
    return 'missing'
  }
  if (!checkout) return undefined
  let inputs
  try {
    inputs = JSON.parse(readFileSync(new URL('dist/mmsim.inputs.json', root), 'utf8')).inputs
  } catch {
    return 'without its list of sources (dist/mmsim.inputs.json)'
  }
  for (const p of inputs) {
    let m
    try {
      m = statSync(new URL(p, root)).mtimeMs
    } catch {
      return `older than the sources (${p} is gone)`
    }
    if (m > built) return `older than ${p}`
  }
  return undefined
}

const why = staleness()
if (why !== undefined) {
  if (!checkout) {
    process.stderr.write(`mmsim: the CLI bundle dist/mmsim.mjs is ${why}; reinstall mmsim\n`)
    process.exit(2)
  }
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('tools/buildCli.mjs', root)), '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0 || !existsSync(bundle)) {
    const line = (r.stderr ?? '').trim().split('\n').pop() || (r.error?.message ?? `exit ${r.status}`)
    const reason = line.replace(/^mmsim: (cannot build the CLI bundle: )?/, '').replace(/; run .*$/, '')
    process.stderr.write(`mmsim: the CLI bundle dist/mmsim.mjs is ${why} and could not be rebuilt (${reason}); run pnpm build after fixing that, or use pnpm mmsim:dev\n`)
    process.exit(2)
  }
  process.stderr.write(`mmsim: the CLI bundle dist/mmsim.mjs was ${why}; rebuilt it (pnpm build)\n`)
}
await import(bundle.href)
