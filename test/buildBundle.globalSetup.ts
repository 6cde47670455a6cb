// Builds the CLI bundle (dist/mmsim.mjs) once before any test file runs: the CLI tests run the product as
// users do (test/cliRun.ts), not the TypeScript sources through tsx.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const r = spawnSync(process.execPath, ['tools/buildCli.mjs', '--quiet'], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`cannot build the CLI bundle for the tests: ${r.stderr.trim() || `exit ${r.status}`}`)
}
