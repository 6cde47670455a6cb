import { effectiveKnobs } from '../scenario/knobSettings.ts'
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import type { Statement } from '../scenario/statements.ts'
import { withFailingSplits } from './punch.ts'
import { folioSizeName, scenarioWaste, type WasteReport, type WasteRow } from './waste.ts'

/** SweepPolicy - one policy of a sweep: its @name (as the user wrote it) and the `set` statements it adds. */
export interface SweepPolicy {
  name: string
  sets: Statement[]
}

/**
 * SweepRow - one policy's totals over the anon, shmem and file folios at the end of the run (HugeTLB pages
 * are left out: no shmem knob changes them), in base pages; @sizes: folios by size, e.g. `{ '64K': 32 }`
 * for shmem; @report: the whole waste report; @ifSplitsFail: the same run with every punch's split failing
 * (as if each large folio were pinned): the pages held and what each proposal would then return.
 */
export interface SweepRow {
  policy: string
  allocated: number
  written: number
  punchedHeld: number
  flagReturns: number
  zeroScanReturns: number
  pmdEntries: number
  pteEntries: number
  shmemFolios: Record<string, number>
  report: WasteReport
  ifSplitsFail: { punchedHeld: number; flagReturns: number; zeroScanReturns: number }
}

const sum = (rows: readonly WasteRow[], key: 'punchedHeld' | 'flagReturns' | 'zeroScanReturns'): number =>
  rows.reduce((n, r) => n + (r.kind === 'hugetlb' ? 0 : r[key]), 0)

/**
 * sweepWaste - run @s once per policy of @policies (its own `set` statements, then the policy's: the last
 * set of a knob counts) on the simulated kernel and total each run's waste report.
 * @returns one row per policy, in the given order
 * @throws FatalScenarioError on a refused fork
 */
export function sweepWaste(s: ParsedScenario, policies: readonly SweepPolicy[]): SweepRow[] {
  return policies.map((p) => {
    const run = { ...s, knobs: effectiveKnobs([...s.statements, ...p.sets]) }
    const report = scenarioWaste(run)
    const failed = withFailingSplits(() => scenarioWaste(run)).rows
    const ifSplitsFail = { punchedHeld: sum(failed, 'punchedHeld'), flagReturns: sum(failed, 'flagReturns'), zeroScanReturns: sum(failed, 'zeroScanReturns') }
    const row: SweepRow = { policy: p.name, allocated: 0, written: 0, punchedHeld: 0, flagReturns: 0, zeroScanReturns: 0, pmdEntries: 0, pteEntries: 0, shmemFolios: {}, report, ifSplitsFail }
    for (const r of report.rows) {
      if (r.kind === 'hugetlb') continue
      row.allocated += r.allocated
      row.written += r.written
      row.punchedHeld += r.punchedHeld
      row.flagReturns += r.flagReturns
      row.zeroScanReturns += r.zeroScanReturns
      row.pmdEntries += r.pmdEntries
      row.pteEntries += r.pteEntries
      if (r.kind === 'shmem') row.shmemFolios[folioSizeName(r.order)] = r.folios
    }
    return row
  })
}
