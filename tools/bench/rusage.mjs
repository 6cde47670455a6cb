// Fallback of measure.ts where /usr/bin/time is missing: `node rusage.mjs OUT SCRIPT ARGS…` runs the node
// script SCRIPT in this process (as `node SCRIPT ARGS…` would) and writes {wallS, cpuS, maxRssMiB, status,
// signal} to OUT from process.resourceUsage() when it exits. `node rusage.mjs OUT --exec CMD ARGS…` runs
// another program and reports its wall time only.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [out, script, ...rest] = process.argv.slice(2)
const t0 = performance.now()
const write = (status, signal, cpu, rss) =>
  writeFileSync(out, JSON.stringify({ wallS: (performance.now() - t0) / 1000, cpuS: cpu, maxRssMiB: rss, status, signal }))

if (script === '--exec') {
  const r = spawnSync(rest[0], rest.slice(1), { stdio: 'inherit' })
  write(r.status, r.signal, NaN, NaN)
  process.exit(r.status ?? 1)
} else {
  process.on('exit', (code) => {
    const u = process.resourceUsage()
    write(code, null, (u.userCPUTime + u.systemCPUTime) / 1e6, u.maxRSS / 1024)
  })
  process.argv = [process.argv[0], resolve(script), ...rest]
  await import(pathToFileURL(resolve(script)).href)
}
