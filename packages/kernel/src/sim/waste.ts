import { forEachTruthFolio, type FolioKind, type TruthState } from '@mmsim/core'
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import { PfnBits } from './pfnBits.ts'
import { punchRecord, type PunchRecord, type SplitFailure } from './punch.ts'
import type { SimContext } from './simContext.ts'
import { runScenario } from './simulateScenario.ts'

/**
 * WasteRow - the live folios of one kind and order at the end of a run, in base pages:
 * @allocated: 2^order × folios; @mapped: pages with at least one entry (a PMD maps all of them);
 * @written: pages whose contents are not all zero; @punchedHeld: pages a punch zeroed but could not free
 *   (their folio did not split) and nothing refaulted since
 * @flagCandidates / @flagReturns: folios flagged when their split failed at fallocate() time (shmem and
 *   file) and the pages a later split + free of them would return: their punched, still zero, unmapped pages
 * @zeroScanCandidates / @zeroScanReturns: large shmem folios holding zero-filled unmapped subpages, and
 *   those subpages (what a scan, split and free would return)
 * @pmdEntries / @pteEntries: page-table entries mapping these folios (PMD or PUD leaves; PTEs)
 */
export interface WasteRow {
  kind: FolioKind
  order: number
  folios: number
  allocated: number
  mapped: number
  written: number
  punchedHeld: number
  flagCandidates: number
  flagReturns: number
  zeroScanCandidates: number
  zeroScanReturns: number
  pmdEntries: number
  pteEntries: number
}

/**
 * WasteReport - {@link wasteOf}'s answer: @contents: page contents and punch records were known (a
 * simulated run; false for a bare trace); @failedSplitsKnown: which folios' splits failed is known (a
 * simulated run, or a trace whose header declares `folio/splitFailed`: flag-on-failed-split's candidates
 * come from those events; their returns need @contents); @rows by kind then order; @splitFailures: the punches' failed
 * splits whose folio is still allocated, in order; @punchSplits / @punchSplitFreed: large folios the punches did split and the pages that
 * freed (pages a failed split would have kept allocated).
 */
export interface WasteReport {
  contents: boolean
  failedSplitsKnown: boolean
  rows: WasteRow[]
  splitFailures: SplitFailure[]
  punchSplits: number
  punchSplitFreed: number
}

/** folioSizeName - the size of a folio of @order as the knobs name it: `4K`, `64K`, `2M`, `1G`. */
export function folioSizeName(order: number): string {
  const kb = 4 * 2 ** order
  return kb >= 1024 * 1024 ? `${kb / 1024 / 1024}G` : kb >= 1024 ? `${kb / 1024}M` : `${kb}K`
}

const KINDS: readonly FolioKind[] = ['anon', 'shmem', 'file', 'hugetlb']

/**
 * wasteOf - the memory-waste picture of simulated kernel @ctx now: every live folio but the zero pages,
 * with the page contents and punch records the ground truth does not hold.
 * @returns rows sorted by kind (anon, shmem, file, hugetlb) and order
 */
export function wasteOf(ctx: SimContext): WasteReport {
  return wasteOfTruth(ctx.truth, ctx.data, punchRecord(ctx))
}

/**
 * wasteOfTruth - {@link wasteOf} from a ground truth alone (a trace's events replayed) when @data (pages
 * holding data) is null: then @contents is false and every page counts as unwritten, nothing as punched —
 * only folios, allocated, mapped and entries mean anything, and with @rec ({@link failuresRecord}) the
 * flag-on-failed-split candidates. @rec null: the failed splits are not known either.
 */
export function wasteOfTruth(truth: TruthState, data: PfnBits | null, rec: PunchRecord | null): WasteReport {
  const flagged = new Set(rec?.failed.map((f) => f.folio))
  const rows = new Map<string, WasteRow>()
  forEachTruthFolio(truth, (f) => {
    if (!KINDS.includes(f.kind)) return
    const key = `${f.kind}/${f.order}`
    let r = rows.get(key)
    if (r === undefined) {
      r = { kind: f.kind, order: f.order, folios: 0, allocated: 0, mapped: 0, written: 0, punchedHeld: 0, flagCandidates: 0, flagReturns: 0, zeroScanCandidates: 0, zeroScanReturns: 0, pmdEntries: 0, pteEntries: 0 }
      rows.set(key, r)
    }
    const n = 2 ** f.order
    r.folios++
    r.allocated += n
    r.pmdEntries += f.entire
    r.pteEntries += f.ptes
    let held = 0
    let zeroUnmapped = 0
    for (let i = 0; i < n; i++) {
      const pfn = f.pfn + i
      const mapped = f.entire > 0 || (f.pageMaps?.[i] ?? 0) > 0
      const written = data?.has(pfn) === true
      if (mapped) r.mapped++
      if (written) r.written++
      if (!mapped && !written) {
        zeroUnmapped++
        if (rec?.held.has(pfn) === true) held++
      }
    }
    r.punchedHeld += held
    if (flagged.has(f.pfn) && (f.kind === 'shmem' || f.kind === 'file')) {
      r.flagCandidates++
      r.flagReturns += held
    }
    if (data !== null && f.kind === 'shmem' && f.order > 0 && zeroUnmapped > 0) {
      r.zeroScanCandidates++
      r.zeroScanReturns += zeroUnmapped
    }
  })
  const order = (r: WasteRow): number => KINDS.indexOf(r.kind) * 64 + r.order
  return {
    contents: data !== null,
    failedSplitsKnown: rec !== null,
    rows: [...rows.values()].sort((a, b) => order(a) - order(b)),
    splitFailures: (rec?.failed ?? []).filter((f) => truth.folios.headOrder(f.folio) >= 0),
    punchSplits: rec?.splits ?? 0,
    punchSplitFreed: rec?.splitFreed ?? 0,
  }
}

/**
 * failuresRecord - a {@link PunchRecord} holding only the failed splits @failed (read from a trace's
 * `folio/splitFailed` events): no held pages or split counts (those need the page contents).
 */
export function failuresRecord(failed: SplitFailure[]): PunchRecord {
  return { held: new PfnBits(), failed, splits: 0, splitFreed: 0 }
}

/**
 * scenarioWaste - run parsed scenario @s on the simulated kernel (no events kept) and report its waste
 * after the last statement ({@link wasteOf}).
 * @throws FatalScenarioError on a refused fork
 */
export function scenarioWaste(s: ParsedScenario): WasteReport {
  let report: WasteReport | undefined
  runScenario(s, null, null, (ctx) => void (report = wasteOf(ctx)))
  return report!
}
