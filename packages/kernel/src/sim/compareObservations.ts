import { SMAPS_FIELDS } from '../live/observation.ts'
import type { ObservationDocument, PageObservation } from '../live/observation.ts'

/**
 * ObservationDifference - one field on which two observation documents differ.
 * @line: the check's line (for `refused` differences: the refused statement's line)
 * @proc, @mapping, @off: where (empty / -1 when the difference is not about one page)
 * @field: the page field, or `refused`, `process`, `mapping`, `check`, `vmemmapPagesDelta`, `smaps` (one side
 *   only), `smaps.FIELD` (a mapping's smaps figure)
 */
export interface ObservationDifference {
  line: number
  proc: string
  mapping: string
  off: number
  field: string
  model: string
  kernel: string
}

/** Comparison - the result of compareObservations(). */
export interface Comparison {
  agree: boolean
  checks: number
  pages: number
  differences: ObservationDifference[]
}

const FIELDS = ['present', 'folio', 'order', 'mapcount', 'exclusive', 'anon', 'thp', 'hugetlb', 'zero'] as const
const show = (v: unknown): string => (v === undefined ? '-' : JSON.stringify(v))

/**
 * compareObservations - compare @model with @kernel as the contract says (docs/observation-format.md §4, "Comparing
 * two documents"): the same refused list, and per check the same line, vmemmap delta, processes,
 * mappings and page entries field by field. @ignore: page fields left out of the comparison.
 * @returns every difference, and how many checks and pages were compared
 */
export function compareObservations(model: ObservationDocument, kernel: ObservationDocument, ignore: readonly string[] = []): Comparison {
  const d: ObservationDifference[] = []
  const add = (line: number, proc: string, mapping: string, off: number, field: string, m: unknown, k: unknown): void => {
    d.push({ line, proc, mapping, off, field, model: show(m), kernel: show(k) })
  }
  const refusedKey = (r: { line: number; op: string; errno: string }): string => `${r.line} ${r.op} ${r.errno}`
  const mr = new Map(model.refused.map((r) => [r.line, r]))
  const kr = new Map(kernel.refused.map((r) => [r.line, r]))
  for (const line of [...new Set([...mr.keys(), ...kr.keys()])].sort((a, b) => a - b)) {
    const a = mr.get(line)
    const b = kr.get(line)
    if (a === undefined || b === undefined || refusedKey(a) !== refusedKey(b)) add(line, '', '', -1, 'refused', a?.errno ?? 'ok', b?.errno ?? 'ok')
  }
  let pages = 0
  const n = Math.max(model.checks.length, kernel.checks.length)
  for (let i = 0; i < n; i++) {
    const a = model.checks[i]
    const b = kernel.checks[i]
    if (a === undefined || b === undefined || a.line !== b.line) {
      add(a?.line ?? b?.line ?? 0, '', '', -1, 'check', a?.line, b?.line)
      continue
    }
    if (a.vmemmapPagesDelta !== b.vmemmapPagesDelta) add(a.line, '', '', -1, 'vmemmapPagesDelta', a.vmemmapPagesDelta, b.vmemmapPagesDelta)
    for (const proc of [...new Set([...Object.keys(a.procs), ...Object.keys(b.procs)])]) {
      const pa = a.procs[proc]
      const pb = b.procs[proc]
      if (pa === undefined || pb === undefined) {
        add(a.line, proc, '', -1, 'process', pa !== undefined, pb !== undefined)
        continue
      }
      for (const name of [...new Set([...Object.keys(pa), ...Object.keys(pb)])]) {
        const ma = pa[name]
        const mb = pb[name]
        if (ma === undefined || mb === undefined) {
          add(a.line, proc, name, -1, 'mapping', ma !== undefined, mb !== undefined)
          continue
        }
        for (let j = 0; j < Math.max(ma.length, mb.length); j++) {
          pages++
          const x = ma[j]
          const y = mb[j]
          for (const f of FIELDS) {
            if (ignore.includes(f)) continue
            const vx = field(x, f)
            const vy = field(y, f)
            if (vx !== vy) add(a.line, proc, name, x?.off ?? y?.off ?? j * 4096, f, vx, vy)
          }
        }
      }
    }
    // [extension] `check smaps`: compared when either side has it (docs/observation-format.md §5)
    if ((a.smaps !== undefined || b.smaps !== undefined) && !ignore.includes('smaps')) {
      if (a.smaps === undefined || b.smaps === undefined) {
        add(a.line, '', '', -1, 'smaps', a.smaps !== undefined, b.smaps !== undefined)
        continue
      }
      for (const proc of [...new Set([...Object.keys(a.smaps), ...Object.keys(b.smaps)])]) {
        const pa = a.smaps[proc] ?? {}
        const pb = b.smaps[proc] ?? {}
        for (const name of [...new Set([...Object.keys(pa), ...Object.keys(pb)])]) {
          for (const f of SMAPS_FIELDS) {
            const vx = pa[name]?.[f]
            const vy = pb[name]?.[f]
            if (vx !== vy) add(a.line, proc, name, -1, `smaps.${f}`, vx, vy)
          }
        }
      }
    }
  }
  return { agree: d.length === 0, checks: Math.min(model.checks.length, kernel.checks.length), pages, differences: d }
}

function field(p: PageObservation | undefined, f: (typeof FIELDS)[number]): unknown {
  if (p === undefined) return undefined
  if (f === 'present') return p.present
  if (!p.present) return undefined
  return p[f]
}
