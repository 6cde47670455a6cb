/**
 * Observation documents (contract v1: docs/observation-format.md), produced by the live-kernel
 * runner and by the simulator, compared field by field.
 */

/** PresentPage - a 4K page of a mapping that is mapped (`present: true`). */
export interface PresentPage {
  off: number
  present: true
  /** canonical folio label (0, 1, … per check), null for the 4K and huge zero page */
  folio: number | null
  order: number
  mapcount: number
  exclusive: boolean
  anon: boolean
  thp: boolean
  hugetlb: boolean
  zero: boolean
}

/** AbsentPage - a 4K page of a mapping's original extent that is not mapped. */
interface AbsentPage {
  off: number
  present: false
}

export type PageObservation = PresentPage | AbsentPage

/** CheckObservation - one `check`: live processes (numeric order) -> mappings (byte order) -> pages. */
export interface CheckObservation {
  line: number
  vmemmapPagesDelta?: number
  procs: Record<string, Record<string, PageObservation[]>>
  /**
   * [extension] only for `check smaps`: per live process and mapping (the keys and order of @procs) the
   * mapping's /proc/PID/smaps figures in kB, summed over its VMAs (docs/observation-format.md §5).
   */
  smaps?: Record<string, Record<string, SmapsCounts>>
}

/** RefusedOp - an operation the kernel refused (recorded, execution went on). */
export interface RefusedOp {
  line: number
  op: string
  errno: string
}

/** ObservationDocument - the whole JSON document of one run. */
export interface ObservationDocument {
  format: 'mmsim-observations/1'
  scenario: string
  /**
   * [extension] scenarioHash() of the scenario the document answers (8 hex digits; canonical text, line
   * numbers included), so a stored observation can tell it is stale. Absent in documents older than it.
   */
  scenarioHash?: string
  source: 'kernel' | 'model'
  detail: string
  refused: RefusedOp[]
  checks: CheckObservation[]
}

/**
 * canonicalJson - serialize @doc with the contract's key order (procs numerically, mappings
 * byte-wise, pages by offset as stored) and one page per line, for stable files and diffs.
 */
export function canonicalJson(doc: ObservationDocument): string {
  const byProc = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1))
  const byte = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  const checks = doc.checks.map((c) => {
    const procs = Object.keys(c.procs)
      .sort(byProc)
      .map((p) => {
        const maps = c.procs[p]!
        const body = Object.keys(maps)
          .sort(byte)
          .map((m) => `        ${JSON.stringify(m)}: [\n${maps[m]!.map((pg) => `          ${JSON.stringify(pg)}`).join(',\n')}\n        ]`)
        return `      ${JSON.stringify(p)}: {${body.length ? `\n${body.join(',\n')}\n      ` : ''}}`
      })
    const head = `"line": ${c.line}${c.vmemmapPagesDelta === undefined ? '' : `, "vmemmapPagesDelta": ${c.vmemmapPagesDelta}`}`
    const smaps = c.smaps === undefined ? '' : `, "smaps": {${Object.keys(c.smaps).sort(byProc).map((p) => {
      const maps = c.smaps![p]!
      const body = Object.keys(maps).sort(byte).map((m) => `\n        ${JSON.stringify(m)}: ${JSON.stringify(maps[m])}`)
      return `\n      ${JSON.stringify(p)}: {${body.join(',')}${body.length ? '\n      ' : ''}}`
    }).join(',')}\n    }`
    return `    { ${head}, "procs": {${procs.length ? `\n${procs.join(',\n')}\n    ` : ''}}${smaps} }`
  })
  return [
    '{',
    `  "format": ${JSON.stringify(doc.format)},`,
    `  "scenario": ${JSON.stringify(doc.scenario)},`,
    ...(doc.scenarioHash === undefined ? [] : [`  "scenarioHash": ${JSON.stringify(doc.scenarioHash)},`]),
    `  "source": ${JSON.stringify(doc.source)},`,
    `  "detail": ${JSON.stringify(doc.detail)},`,
    `  "refused": [${doc.refused.map((r) => JSON.stringify(r)).join(', ')}],`,
    `  "checks": [${checks.length ? `\n${checks.join(',\n')}\n  ` : ''}]`,
    '}',
    '',
  ].join('\n')
}

/**
 * SMAPS_FIELDS - the `/proc/PID/smaps` lines a `check smaps` records per mapping [extension], in the order
 * the kernel prints them (__show_smap() — fs/proc/task_mmu.c); values in kB as printed.
 */
export const SMAPS_FIELDS = [
  'Rss', 'Pss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped',
] as const
export type SmapsField = (typeof SMAPS_FIELDS)[number]
/** SmapsCounts - one mapping's smaps figures (kB), summed over the VMAs of its extent. */
export type SmapsCounts = Record<SmapsField, number>

/** emptySmaps - all figures 0. */
export function emptySmaps(): SmapsCounts {
  return { Rss: 0, Pss: 0, Shared_Clean: 0, Shared_Dirty: 0, Private_Clean: 0, Private_Dirty: 0, AnonHugePages: 0, ShmemPmdMapped: 0, FilePmdMapped: 0 }
}
