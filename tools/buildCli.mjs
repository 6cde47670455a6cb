// Builds the precompiled CLI: dist/mmsim.mjs (ESM, node20) with esbuild. Runs in `postinstall` and `pnpm build`.
//
// The entry (dist/mmsim.mjs) is a few hundred bytes: it answers `--version` itself and imports the command
// tree from a chunk (dist/chunks/) only for real commands, so `mmsim --version` starts about as fast as
// `node -e 0`. dist/mmsim.inputs.json lists the checkout files the bundle was built from; bin/mmsim.mjs
// compares their mtimes with the bundle's to notice a stale build.
//
// Every file is written beside its target and renamed into place (the entry last), so a command started
// while a build runs sees either the old bundle or the new one, never half a file.
//
// Usage: node tools/buildCli.mjs [--quiet] [--if-esbuild]
//   --quiet       no success line
//   --if-esbuild  (postinstall) without esbuild, warn in one line and exit 0 instead of 1
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const dist = join(root, 'dist')
const quiet = process.argv.includes('--quiet')
const optional = process.argv.includes('--if-esbuild')
const t0 = performance.now()

let esbuild
try {
  esbuild = await import('esbuild')
} catch (err) {
  const msg = `mmsim: cannot build the CLI bundle: esbuild is not installed (${err.code ?? err.message}); run pnpm install, or use pnpm mmsim:dev`
  process.stderr.write(msg + '\n')
  process.exit(optional ? 0 : 1)
}

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version ?? '0.0.0'

let result
try {
  result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { mmsim: 'packages/cli/src/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // msgpackr loads its optional native string extractor with require(); keep it a runtime require
    // (it falls back to plain JS when the addon cannot be found from dist/)
    external: ['msgpackr-extract'],
    banner: { js: "import { createRequire as __mmsimCreateRequire } from 'node:module'; const require = __mmsimCreateRequire(import.meta.url);" },
    define: { __MMSIM_VERSION__: JSON.stringify(version) },
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
} catch (err) {
  const first = err.errors?.[0]
  const where = first?.location ? `${first.location.file}:${first.location.line}: ` : ''
  process.stderr.write(`mmsim: cannot build the CLI bundle: ${where}${first?.text ?? err.message}\n`)
  process.exit(1)
}

mkdirSync(join(dist, 'chunks'), { recursive: true })
const entry = join(dist, 'mmsim.mjs')
const written = new Set()
const put = (path, contents) => {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, contents, { mode: path.endsWith('.mjs') ? 0o755 : 0o644 })
  renameSync(tmp, path)
  written.add(path)
}
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.split(/[\\/]/).includes('node_modules'))
  .map((p) => relative(root, join(root, p)).split(sep).join('/'))
  .concat('package.json')
  .sort()
put(join(dist, 'mmsim.inputs.json'), JSON.stringify({ version, inputs }, null, 1) + '\n')
const files = result.outputFiles.sort((a, b) => Number(a.path === entry) - Number(b.path === entry))
for (const f of files) put(f.path, f.contents)
// chunks of earlier builds (other hashes); a build writes identical names for identical sources
for (const name of readdirSync(join(dist, 'chunks'))) {
  const p = join(dist, 'chunks', name)
  if (!written.has(p) && !name.endsWith('.tmp')) rmSync(p, { force: true })
}
if (!quiet) {
  const kib = Math.round(files.reduce((n, f) => n + (f.path.endsWith('.mjs') ? f.contents.length : 0), 0) / 1024)
  process.stderr.write(`mmsim: built dist/mmsim.mjs (${version}, ${kib} KiB in ${files.filter((f) => f.path.endsWith('.mjs')).length} files) in ${Math.round(performance.now() - t0)} ms\n`)
}
