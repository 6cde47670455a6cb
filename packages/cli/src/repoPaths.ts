import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * REPO_ROOT - the mmsim checkout (or installed package) this CLI runs from: the first directory above this
 * module holding `traces/scenarios/`. Found by walking up because the module sits at different depths in
 * the sources (packages/cli/src/) and in the bundle (dist/chunks/).
 */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

function findRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'traces', 'scenarios')) && existsSync(join(d, 'package.json'))) return d
    if (dirname(d) === d) return from
  }
}

/** bundledPath - a file shipped with mmsim (e.g. `traces/scenarios/x.scenario`), by its path in the repository. */
export function bundledPath(rel: string): string {
  return join(REPO_ROOT, rel)
}
