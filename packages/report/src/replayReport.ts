import { KERNEL_NAMES, isEventType, truthDigest, truthSummaryOf, type TruthSummary, type Violation } from '@mmsim/core'
import { num, table, type ReplayResult } from '@mmsim/analysis'
import { describeDamage, type FrameDamage } from '@mmsim/trace'

/** ReplayReport - the JSON document of `mmsim replay --json`. */
export interface ReplayReport {
  file: string
  source: ReplayResult['header']['source']
  formatVersion: number
  complete: boolean
  decodeOnly: boolean
  events: number
  frames: number
  eventsByType: Record<string, number>
  unknownEventTypes: Record<string, number>
  structureProblems: string[]
  damage: (FrameDamage & { message: string })[]
  violations: { count: number; shown: Violation[] }
  stoppedAtViolation: boolean
  groundTruth: TruthSummary | null
  digest: string | null
}

/** replayReport - the report document of @r. */
export function replayReport(r: ReplayResult): ReplayReport {
  const s = r.state
  return {
    file: r.file,
    source: r.header.source,
    formatVersion: r.header.version,
    complete: r.complete,
    decodeOnly: s === null,
    events: r.events,
    frames: r.frames,
    eventsByType: s === null ? {} : sortKeys(s.eventCounts),
    unknownEventTypes: r.unknown,
    structureProblems: r.structureProblems,
    damage: r.damage.map((d) => ({ ...d, message: describeDamage(r.file, d) })),
    violations: { count: s?.violationCount ?? 0, shown: (s?.violations ?? []).slice(0, 20) },
    stoppedAtViolation: r.stoppedAtViolation,
    groundTruth: s === null ? null : truthSummaryOf(s),
    digest: s === null ? null : truthDigest(s),
  }
}

function sortKeys(o: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * formatEventCounts - the rows of an "events by type" table (`mmsim replay`, `mmsim info`): the type, its
 * count, and with @kernelNames the kernel function it stands for.
 */
export function formatEventCounts(byType: Readonly<Record<string, number>>, kernelNames: boolean): string[] {
  const rows = Object.entries(byType).map(([t, n]) => [t, n, kernelNames && isEventType(t) ? KERNEL_NAMES[t] : ''])
  return table([{ title: 'type', min: 28 }, { title: 'count', align: 'right', min: 11, gap: 1 }, { title: 'kernel' }], rows, { indent: '  ', head: false })
}

/** formatReplay - the text report of `mmsim replay`. */
export function formatReplay(rep: ReplayReport): string {
  const out: string[] = []
  const src = [rep.source.kind, rep.source.name].filter(Boolean).join(' ')
  out.push(`trace       ${rep.file} (mmtrace v${rep.formatVersion}, source: ${src})`)
  out.push(`events      ${num(rep.events)} in ${num(rep.frames)} frame${rep.frames === 1 ? '' : 's'}${rep.complete ? '' : ' — INCOMPLETE'}${rep.decodeOnly ? ' (decode only: nothing applied)' : ''}`)
  for (const d of rep.damage) out.push(`damage      ${d.message}`)
  for (const [t, n] of Object.entries(rep.unknownEventTypes)) out.push(`unknown     ${num(n)} event${n === 1 ? '' : 's'} of type '${t}' (from a newer mmsim?) not applied`)
  for (const p of rep.structureProblems) out.push(`structure   ${p}`)
  if (rep.decodeOnly) return out.join('\n')
  out.push('')
  out.push('events by type                      count  kernel')
  out.push(...formatEventCounts(rep.eventsByType, true))
  out.push('')
  const v = rep.violations
  out.push(`violations  ${num(v.count)}${rep.stoppedAtViolation ? ' (stopped at the first)' : ''}`)
  for (const x of v.shown) out.push(`  #${x.index} ${x.type}${x.cause ? ` (${x.cause})` : ''}: ${x.message}`)
  if (v.count > v.shown.length) out.push(`  … and ${num(v.count - v.shown.length)} more`)
  const g = rep.groundTruth!
  out.push('')
  out.push('ground truth (from the page tables)')
  out.push(`  processes ${num(g.processes)}, VMAs ${num(g.vmas)}`)
  out.push(`  present entries: PTE ${num(g.entries.pte)}, PMD ${num(g.entries.pmd)}, PUD ${num(g.entries.pud)}`)
  const kinds = Object.entries(g.foliosByKind).sort().map(([k, n]) => `${k} ${num(n)}`).join(', ')
  out.push(`  folios ${num(g.folios)}${kinds ? ` (${kinds})` : ''}: mapped ${num(g.mappedFolios)}, mapped shared ${num(g.mappedSharedFolios)}, partially mapped ${num(g.partiallyMappedFolios)}, HVO ${num(g.hvoFolios)}`)
  out.push(`  sum of page mapcounts ${num(g.pageMapcountSum)}`)
  out.push('')
  out.push(`digest      sha256:${rep.digest}`)
  return out.join('\n')
}
