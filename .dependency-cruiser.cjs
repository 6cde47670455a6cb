/**
 * Layering of the mmsim workspace, checked by `pnpm lint:deps` (part of `pnpm test`).
 *
 *   cli ─▶ report ─▶ analysis ─▶ { kernel, strategies, trace } ─▶ core
 *   testing (the shared test kits) ─▶ core; any test file may use it (declared as a devDependency)
 *
 * Arrows point down only; a package imports only workspace packages its package.json declares; no
 * cycles; inside kernel the simulator (sim/) does not reach into the live runner (live/) except for the
 * observation document types both sides speak (live/observation.ts) and in its live-comparison tests.
 */
const pkg = (name) => `^packages/${name}/`
const layers = {
  core: [],
  trace: ['core'],
  kernel: ['core'],
  strategies: ['core'],
  testing: ['core'],
  analysis: ['core', 'trace', 'kernel', 'strategies'],
  report: ['core', 'trace', 'kernel', 'strategies', 'analysis'],
  cli: ['core', 'trace', 'kernel', 'strategies', 'analysis', 'report'],
}
const names = Object.keys(layers)
const { readFileSync } = require('node:fs')
const declared = (name, field) =>
  Object.keys(JSON.parse(readFileSync(`${__dirname}/packages/${name}/package.json`, 'utf8'))[field] ?? {})
    .filter((d) => d.startsWith('@mmsim/'))
    .map((d) => d.slice('@mmsim/'.length))
/** a workspace package reached through a path the package.json does not declare (resolves only via the root's links) */
const undeclaredWorkspace = names.flatMap((name) => {
  const deps = declared(name, 'dependencies')
  const devDeps = [...deps, ...declared(name, 'devDependencies')]
  const rule = (kind, files, allowed) => {
    const others = names.filter((n) => n !== name && !allowed.includes(n))
    return others.length === 0
      ? []
      : [{ name: `declared-${name}-${kind}`, comment: `${name}'s ${kind} import only workspace packages its package.json declares`, severity: 'error', from: files, to: { path: `^packages/(${others.join('|')})/` } }]
  }
  return [
    ...rule('modules', { path: pkg(name), pathNot: '\\.(test|testkit|bench)\\.ts$' }, deps),
    ...rule('tests', { path: `${pkg(name)}.*\\.(test|testkit|bench)\\.ts$` }, devDeps),
  ]
})
const upward = names.map((name) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${layers[name].join(', ') || 'nothing from the workspace'} (and, in tests, testing)`,
  severity: 'error',
  from: { path: pkg(name), pathNot: '\\.(test|testkit|bench)\\.ts$' },
  to: { path: `^packages/(${names.filter((n) => n !== name && !layers[name].includes(n)).join('|')})/` },
}))
module.exports = {
  forbidden: [
    ...upward,
    ...undeclaredWorkspace,
    {
      name: 'tests-use-only-lower-layers-and-testing',
      comment: 'a test file imports its own layer, the layers below it, and the testing kits',
      severity: 'error',
      from: { path: '^packages/(core|trace|kernel|strategies)/.*\\.(test|testkit|bench)\\.ts$' },
      to: { path: '^packages/(analysis|report|cli)/' },
    },
    {
      name: 'sim-not-into-live',
      comment: 'the simulated kernel does not depend on the live runner (only on the observation types both speak)',
      severity: 'error',
      from: { path: '^packages/kernel/src/sim/', pathNot: '\\.kernel\\.test\\.ts$' },
      to: { path: '^packages/kernel/src/live/', pathNot: '^packages/kernel/src/live/observation\\.ts$' },
    },
    {
      name: 'no-undeclared-dependency',
      comment: 'every package (workspace or npm) a module imports is declared in its nearest package.json',
      severity: 'error',
      from: { path: '^packages/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^packages/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^packages/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
}
