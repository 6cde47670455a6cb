// One replay in a fresh process, for a clean peak-RSS figure: prints {events, ms, maxRssMiB} as JSON.
import { replayTrace } from '@mmsim/analysis'

const file = process.argv[2]!
const t = performance.now()
const r = await replayTrace(file)
const ms = performance.now() - t
process.stdout.write(JSON.stringify({ events: r.events, ms, violations: r.state?.violationCount ?? -1, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n')
