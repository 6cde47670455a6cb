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
export interface AbsentPage {
  off: number
  present: false
}

export type PageObservation = PresentPage | AbsentPage

/** CheckObservation - one `check`: live processes (numeric order) -> mappings (byte order) -> pages. */
export interface CheckObservation {
  line: number
  vmemmapPagesDelta?: number
  procs: Record<string, Record<string, PageObservation[]>>
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
    return `    { ${head}, "procs": {${procs.length ? `\n${procs.join(',\n')}\n    ` : ''}} }`
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
