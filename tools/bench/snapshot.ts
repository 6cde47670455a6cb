// MMSIM_BENCH_REF=<git ref>: bench a committed revision instead of the working tree (useful while other
// edits are in progress): `git archive REF` is unpacked into .bench/src-<sha>/ with the checkout's
// node_modules linked in (the workspace packages resolve inside the snapshot; third-party packages come
// from the checkout's pnpm store) and the built kernel runner copied in; the CLI bundle is built there.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

/** snapshotOf - the root of an unpacked, built snapshot of @ref of the checkout @root (made once per commit). */
export function snapshotOf(root: string, ref: string, dir: string, log: (s: string) => void): string {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim()
  const dest = join(dir, `src-${sha.slice(0, 12)}`)
  if (existsSync(join(dest, 'dist/mmsim.mjs'))) return dest
  log(`unpacking ${ref} (${sha.slice(0, 12)}) into ${dest} and building its CLI bundle …`)
  const tmp = `${dest}.tmp`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const tar = spawnSync('sh', ['-c', `git archive ${sha} | tar -x -C "${tmp}"`], { cwd: root, encoding: 'utf8' })
  if (tar.status !== 0) throw new Error(`git archive ${sha}: ${tar.stderr}`)
  // root node_modules: every entry but the store copied as it is (relative links then point into the
  // snapshot), the store linked
  mkdirSync(join(tmp, 'node_modules'))
  for (const e of readdirSync(join(root, 'node_modules'))) {
    if (e === '.pnpm') symlinkSync(join(root, 'node_modules/.pnpm'), join(tmp, 'node_modules/.pnpm'))
    else execFileSync('cp', ['-a', join(root, 'node_modules', e), join(tmp, 'node_modules', e)])
  }
  for (const p of readdirSync(join(root, 'packages'))) {
    const nm = join(root, 'packages', p, 'node_modules')
    if (existsSync(nm) && existsSync(join(tmp, 'packages', p))) execFileSync('cp', ['-a', nm, join(tmp, 'packages', p, 'node_modules')])
  }
  const runner = join(root, 'tools/kernel-runner/kernel-runner')
  if (existsSync(runner) && lstatSync(runner).isFile()) execFileSync('cp', ['-a', runner, join(tmp, 'tools/kernel-runner/kernel-runner')])
  const b = spawnSync(process.execPath, [join(tmp, 'tools/buildCli.mjs'), '--quiet'], { cwd: tmp, encoding: 'utf8' })
  if (b.status !== 0) throw new Error(`building the CLI bundle of ${sha}: ${b.stderr}`)
  rmSync(dest, { recursive: true, force: true })
  renameSync(tmp, dest)
  // keep only this snapshot (they are ~20 MB each)
  for (const e of readdirSync(dir)) if (/^src-[0-9a-f]{12}$/.test(e) && join(dir, e) !== dest) rmSync(join(dir, e), { recursive: true, force: true })
  return dest
}
