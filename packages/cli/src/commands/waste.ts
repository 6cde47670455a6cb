import type { Command } from 'commander'
import { TruthState } from '@mmsim/core'
import { num, table, type Column } from '@mmsim/analysis'
import {
  failuresRecord, FatalScenarioError, folioSizeName, parseScenario, runScenario, scenarioWaste, wasteOf, wasteOfTruth,
  type ParsedScenario, type SplitFailure, type WasteReport,
} from '@mmsim/kernel'
import { JSON_FORMATS, jsonDocument } from '@mmsim/report'
import { collectTrace } from '@mmsim/trace'
import { inputTrace } from '../inputTrace.ts'
import { UserError } from '../userError.ts'
import { readParsedScenario } from './scenarioInput.ts'
import { processIo, type CliIo, type InputIo } from '../cliIo.ts'

/** WASTE_FORMAT - the `format` of `mmsim waste --json` (docs/schemas/waste.schema.json). */
export const WASTE_FORMAT = JSON_FORMATS.waste

/** WasteInput - what `mmsim waste` analysed: @from says how (a scenario run, or a trace's events). */
export interface WasteInput {
  name: string
  from: 'scenario' | 'trace-scenario' | 'trace-events'
  report: WasteReport
  /** trace-scenario: the trace's event count and the rerun's (they differ when an older model recorded it) */
  traceEvents?: number
  rerunEvents?: number
}

const kib = (pages: number): string => `${num(pages * 4)} KiB`

/**
 * analyseWaste - the waste report of @arg (relative to @io.cwd, `-`: @io.stdin): a `.scenario` is run on the simulated kernel; a trace recorded
 * from a scenario (its header keeps the text) is rerun from that text; any other trace is replayed into the
 * ground truth, without page contents (written, punched and zero-scan columns unknown).
 */
export async function analyseWaste(arg: string, io: InputIo = processIo()): Promise<WasteInput> {
  if (arg.endsWith('.scenario')) {
    const s = await readParsedScenario(arg, io)
    return { name: s.name, from: 'scenario', report: run(s) }
  }
  const input = await inputTrace(arg, io)
  try {
    const t = await collectTrace(input.path, { salvage: false })
    const src = t.header.source
    if (src.kind === 'scenario' && src.text !== undefined) {
      let s: ParsedScenario
      try {
        s = parseScenario(src.text, `${src.name ?? 'trace'}.scenario`)
      } catch (e) {
        throw new UserError(`${arg}: the scenario in its header does not parse: ${(e as Error).message}`)
      }
      let rerun = 0
      const report = run(s, (n) => (rerun = n))
      return { name: s.name, from: 'trace-scenario', report, traceEvents: t.events.length, rerunEvents: rerun }
    }
    // flag-on-failed-split's candidates: the trace's folio/splitFailed events, when its header declares the type
    const declared = t.header.structures.some((st) => st.type === 'folio/splitFailed')
    const truth = new TruthState()
    const failed: SplitFailure[] = []
    for (const e of t.events) {
      truth.apply(e)
      if (e.type === 'folio/splitFailed') failed.push({ folio: e.folio, order: Math.max(0, truth.folios.headOrder(e.folio)), cause: e.cause, reason: errnoText(e.errno) })
    }
    return { name: src.name ?? arg, from: 'trace-events', report: wasteOfTruth(truth, null, declared ? failuresRecord(failed) : null) }
  } finally {
    input.cleanup()
  }
}

const errnoText = (n: number): string => (n === 11 ? 'EAGAIN (extra references)' : n === 16 ? 'EBUSY' : `errno ${n}`)

function run(s: ParsedScenario, events?: (n: number) => void): WasteReport {
  try {
    if (events === undefined) return scenarioWaste(s)
    let report: WasteReport | undefined
    const r = runScenario(s, null, null, (ctx) => void (report = wasteOf(ctx)))
    events(r.events)
    return report!
  } catch (e) {
    if (e instanceof FatalScenarioError) throw new UserError(e.message)
    throw e
  }
}

/** formatWaste - the text report of @w (columns in base pages; memory totals in KiB). */
export function formatWaste(w: WasteInput): string[] {
  const r = w.report
  const known = r.contents
  const u = (n: number): string | number => (known ? n : '?')
  const uf = (n: number): string | number => (r.failedSplitsKnown ? n : '?')
  const cols: Column[] = [
    { title: 'kind' }, { title: 'size', align: 'right' }, { title: 'folios', align: 'right' },
    { title: 'allocated', align: 'right' }, { title: 'mapped', align: 'right' }, { title: 'written', align: 'right' },
    { title: 'punched held', align: 'right' }, { title: 'PMD', align: 'right' }, { title: 'PTE', align: 'right' },
    { title: 'flag: folios', align: 'right' }, { title: 'frees', align: 'right' },
    { title: 'zero-scan: folios', align: 'right' }, { title: 'frees', align: 'right' },
  ]
  const tot = { folios: 0, allocated: 0, mapped: 0, written: 0, held: 0, pmd: 0, pte: 0, fc: 0, fr: 0, zc: 0, zr: 0 }
  const rows = r.rows.map((x) => {
    tot.folios += x.folios
    tot.allocated += x.allocated
    tot.mapped += x.mapped
    tot.written += x.written
    tot.held += x.punchedHeld
    tot.pmd += x.pmdEntries
    tot.pte += x.pteEntries
    tot.fc += x.flagCandidates
    tot.fr += x.flagReturns
    tot.zc += x.zeroScanCandidates
    tot.zr += x.zeroScanReturns
    return [x.kind, folioSizeName(x.order), x.folios, x.allocated, x.mapped, u(x.written), u(x.punchedHeld), x.pmdEntries, x.pteEntries, uf(x.flagCandidates), u(x.flagReturns), u(x.zeroScanCandidates), u(x.zeroScanReturns)]
  })
  rows.push(['total', '', tot.folios, tot.allocated, tot.mapped, u(tot.written), u(tot.held), tot.pmd, tot.pte, uf(tot.fc), u(tot.fr), u(tot.zc), u(tot.zr)])
  const from = w.from === 'scenario' ? 'the scenario run on the simulated 6.18 kernel'
    : w.from === 'trace-scenario' ? `the scenario in the trace's header rerun on the model (${num(w.rerunEvents!)} events; the trace has ${num(w.traceEvents!)})`
      : `the trace's events (no page contents: written, punched and reclaim columns unknown${r.failedSplitsKnown ? '; failed splits from its folio/splitFailed events' : ''})`
  const lines = [
    `waste of ${w.name} after its last statement`,
    `from ${from}`,
    'in 4 KiB pages; punched held = zeroed by a punch but still allocated; flag = flag-on-failed-split (folios whose',
    'split failed at fallocate() time), zero-scan = scanning for zero-filled unmapped subpages; frees = what a later',
    'split + free of those candidates would return; PMD, PTE = entries mapping the folios',
    '',
    ...table(cols, rows),
  ]
  if (!known && r.failedSplitsKnown) {
    lines.push('', `failed splits: ${r.splitFailures.length === 0 ? 'none' : ''}`.trimEnd(), ...r.splitFailures.map((f) => `  folio 0x${f.folio.toString(16)} (${folioSizeName(f.order)}) at ${f.cause}: ${f.reason}`))
  }
  if (known) {
    lines.push(
      '',
      `allocated ${kib(tot.allocated)}, written ${kib(tot.written)}, allocated but never written or zeroed ${kib(tot.allocated - tot.written)}`,
      `punches split ${num(r.punchSplits)} large folios, which freed ${kib(r.punchSplitFreed)} of their holes at once (mmsim sweep: the what-if of failed splits)`,
      `failed splits: ${r.splitFailures.length === 0 ? 'none' : ''}`.trimEnd(),
      ...r.splitFailures.map((f) => `  folio 0x${f.folio.toString(16)} (${folioSizeName(f.order)}) at ${f.cause}: ${f.reason}`),
      `reclaim: flag-on-failed-split would return ${kib(tot.fr)}, zero-page scanning ${kib(tot.zr)}`,
    )
  }
  return lines
}

/** waste - `mmsim waste TRACE|SCENARIO [--json]`: per folio size, what is allocated vs used and what reclaim could return. */
export function register(program: Command, io: CliIo): void {
  program
    .command('waste')
    .description('per folio size: pages allocated, mapped, written, punched but held; reclaim candidates of flag-on-failed-split and zero-page scanning; PMD/PTE entries')
    .argument('<input>', '.scenario file (run on the simulated kernel), or .mmtrace/.jsonl trace (- for stdin)')
    .option('--json', `print as JSON (format ${WASTE_FORMAT})`)
    .action(async (arg: string, o: { json?: boolean }) => {
      const w = await analyseWaste(arg, io)
      if (o.json) io.stdout.write(jsonDocument('waste', { name: w.name, from: w.from, ...(w.traceEvents === undefined ? {} : { traceEvents: w.traceEvents, rerunEvents: w.rerunEvents }), ...w.report }))
      else io.stdout.write(formatWaste(w).join('\n') + '\n')
    })
}
