import { fc, test as propTest } from '@fast-check/vitest'
import { describe, expect, test } from 'vitest'
import { applyEvent, emptyState, taintPartiallyMapped, touchedFoliosInto, trieForEach, truthOf, Txn, type FolioRec, type Level, type MmEvent } from '@mmsim/core'
import { syntheticEvents } from './syntheticWorkload.ts'
import { mixedEvents } from './mixedWorkload.ts'

type Precision = 'exact' | 'maybe' | 'estimate' | 'none'
type CountQuery = 'folioMapcount' | 'entireMapcount' | 'pageMapcount' | 'kpagecount' | 'nrPagesMapped'
type Precisions = { readonly mappedShared: Precision; readonly partiallyMapped: Precision } & {
  readonly [q in CountQuery]?: Precision
} & { readonly hgm?: { readonly [q in CountQuery | 'mappedShared']?: Precision } }

/**
 * ContractStrategy - the part of `@mmsim/strategies`' Strategy the contract exercises (structural, so this
 * package does not depend on the strategies package).
 */
export interface ContractStrategy<S> {
  readonly id: string
  readonly handles: ReadonlySet<string>
  readonly precision: Precisions
  init(): S
  apply(s: S, e: MmEvent, truth: { folio(pfn: number): FolioRec | undefined }): void
  snapshot(s: S): S
  restore(snap: S): S
  folioMapcount(s: S, folio: number): number
  pageMapcount(s: S, pfn: number): number | null
  entireMapcount(s: S, folio: number): number
  nrPagesMapped(s: S, folio: number): number | null
  mappedShared(s: S, folio: number): boolean
  anonExclusive(s: S, pfn: number): boolean
  partiallyMapped(s: S, folio: number): boolean | null
  kpagecount(s: S, pfn: number): number
  pagemapExclusive(s: S, pfn: number, level: Level): boolean
  freeViolations(s: S): readonly string[]
  checkInvariants?(s: S, folio: number): string[]
}

/** CorpusCase - one named valid event stream (e.g. a corpus scenario run through the simulated kernel). */
interface CorpusCase {
  name: string
  events: readonly MmEvent[]
}

/**
 * ContractOptions
 * @runs: fast-check runs per property (default 20)
 * @events: events per random stream (default 400)
 * @corpus: named streams every scheme must also pass (loaded lazily; null = not available, the test is skipped)
 */
export interface ContractOptions {
  runs?: number
  events?: number
  corpus?: () => Promise<readonly CorpusCase[] | null>
}

/** ContractFailure - what broke, after which event. */
export class ContractFailure extends Error {}

/**
 * checkStream - run @events through the ground truth and strategy @st, checking the contract after every
 * event (on the folios the event touched) and on every live folio at the end. Throws {@link ContractFailure}.
 * Events that break a precondition are skipped by both sides, or with @requireValid are a failure.
 */
export function checkStream<S>(st: ContractStrategy<S>, events: readonly MmEvent[], name = 'stream', requireValid = false): S {
  let s = st.init()
  const tainted = new Set<number>()
  const tx = new Txn(emptyState())
  events.forEach((e, idx) => {
    const pfns = touched(e, tx)
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal !== before) {
      if (requireValid) throw new ContractFailure(`${name}: event #${idx} ${e.type} (${e.cause}) breaks a precondition; the stream must be valid`)
      return
    }
    if (st.handles.has(e.type)) st.apply(s, e, tx)
    const where = `${st.id} on ${name}, after event #${idx} ${e.type} (${e.cause})`
    taintPartiallyMapped(e, pfns, pfns.length, tainted)
    const range = pageRange(e)
    for (const pfn of pfns) {
      const f = tx.folio(pfn)
      if (f !== undefined) checkFolio(st, s, f, tainted, where, range)
    }
    if (e.type === 'folio/freed' || e.type === 'hugetlb/poolShrunk') {
      const bad = st.freeViolations(s)
      if (bad.length > 0) throw new ContractFailure(`${where}: counters not back at their initial values: ${bad.join('; ')}`)
    }
  })
  const state = tx.commit()
  // a snapshot restores every answer
  s = st.restore(st.snapshot(s))
  trieForEach(state.folios, (_k, f) => checkFolio(st, s, f, tainted, `${st.id} on ${name}, final state`))
  return s
}

/** pageRange - the pages a PTE-level rmap event changes (null: any page of its folios may change) */
function pageRange(e: MmEvent): [number, number] | null {
  if (!('page' in e) || !('nrPages' in e)) return null
  if ('level' in e && e.level !== 'pte') return null
  return [e.page, e.page + e.nrPages]
}

/** touched - the head PFNs whose answers event @e may change, computed before it is applied (core's rule) */
function touched(e: MmEvent, tx: Txn): number[] {
  const out: number[] = []
  out.length = touchedFoliosInto(e, (p) => tx.folio(p)?.order ?? -1, out)
  return out
}

function fail(where: string, what: string, got: unknown, want: unknown): never {
  throw new ContractFailure(`${where}: ${what} is ${String(got)}, the ground truth says ${String(want)}`)
}

/** checkFolio - every contract clause on one live folio. */
export function checkFolio<S>(
  st: ContractStrategy<S>, s: S, f: FolioRec, tainted: ReadonlySet<number>, where: string, range: [number, number] | null = null,
): void {
  const t = truthOf(f)
  const w = `${where}: folio 0x${f.pfn.toString(16)} (${f.kind}, order ${f.order})`
  const zero = f.kind === 'zero' || f.kind === 'hugezero'
  const n = 2 ** f.order
  // a query declared below exact is checked for sign only (on HugeTLB folios mapped by HGM PTEs or PMDs: its `hgm` precision)
  const hgm = f.kind === 'hugetlb' && (f.ptes > 0 || f.hgmPmds > 0)
  const pr = st.precision
  const exact = (q: CountQuery): boolean => ((hgm ? pr.hgm?.[q] : undefined) ?? pr[q] ?? 'exact') === 'exact'
  // zero pages are special mappings without rmap: the kernel's counts stay 0
  const mc = st.folioMapcount(s, f.pfn)
  if (mc < 0) fail(w, 'folioMapcount', mc, '≥ 0')
  if (exact('folioMapcount') && mc !== (zero ? 0 : t.mapcount)) fail(w, 'folioMapcount', mc, zero ? 0 : t.mapcount)
  const em = st.entireMapcount(s, f.pfn)
  if (em < 0) fail(w, 'entireMapcount', em, '≥ 0')
  if (exact('entireMapcount') && em !== (zero || f.order === 0 ? 0 : t.entireMapcount)) fail(w, 'entireMapcount', em, t.entireMapcount)
  const np = st.nrPagesMapped(s, f.pfn)
  if (np !== null && exact('nrPagesMapped') && np !== (zero ? 0 : t.pagesMapped)) fail(w, 'nrPagesMapped', np, t.pagesMapped)
  const lo = range === null ? 0 : Math.max(0, range[0] - f.pfn)
  const hi = range === null ? Math.min(n, 4096) : Math.min(n, range[1] - f.pfn)
  for (let i = 0; i < hi; i = i === 0 && lo > 0 ? lo : i + 1) {
    const pfn = f.pfn + i
    const pm = st.pageMapcount(s, pfn)
    const truthPm = zero ? 0 : (f.pageMaps?.[i] ?? 0) + f.entire
    if (pm !== null) {
      if (pm < 0) fail(w, `pageMapcount(page ${i})`, pm, '≥ 0')
      if (exact('pageMapcount') && pm !== truthPm) fail(w, `pageMapcount(page ${i})`, pm, truthPm)
      const kc = st.kpagecount(s, pfn)
      if (kc < 0) fail(w, `kpagecount(page ${i})`, kc, '≥ 0')
      if (exact('kpagecount') && kc !== pm) fail(w, `kpagecount(page ${i}) with a tracked page mapcount`, kc, pm)
    } else {
      const kc = st.kpagecount(s, pfn)
      if (kc < 0) fail(w, `kpagecount(page ${i})`, kc, '≥ 0')
    }
    if (f.kind === 'anon' && (f.entire === 0 || i === 0)) {
      const ae = st.anonExclusive(s, pfn)
      if (ae !== t.anonExclusive[i]) fail(w, `anonExclusive(page ${i})`, ae, t.anonExclusive[i])
    }
  }
  if (!zero) {
    const ms = st.mappedShared(s, f.pfn)
    const p = (hgm ? pr.hgm?.mappedShared : undefined) ?? pr.mappedShared
    if (p === 'exact' && ms !== t.mappedShared) fail(w, 'mappedShared', ms, t.mappedShared)
    if (p === 'maybe' && t.mappedShared && !ms) fail(w, 'mappedShared ("maybe": no false negatives)', ms, t.mappedShared)
  }
  const broken = st.checkInvariants?.(s, f.pfn) ?? []
  if (broken.length > 0) throw new ContractFailure(`${w}: the scheme's invariants are broken: ${broken.join('; ')}`)
  const pm = st.partiallyMapped(s, f.pfn)
  const pp = st.precision.partiallyMapped
  if (pm !== null && f.kind === 'anon' && !tainted.has(f.pfn)) {
    if (pp === 'exact' && pm !== t.partiallyMapped) fail(w, 'partiallyMapped', pm, t.partiallyMapped)
    if (pp === 'maybe' && t.partiallyMapped && !pm) fail(w, 'partiallyMapped ("maybe": no false negatives)', pm, t.partiallyMapped)
  }
}

/**
 * describeStrategyContract - the contract every mapcount scheme must pass (issue 5 item 3): exact queries
 * equal the ground truth after every event of random valid streams (fast-check; anon workload and a mixed
 * file/shmem/HugeTLB/split/migration workload) and of every corpus stream; "maybe" queries have no false
 * negatives; mapcounts are ≥ 0; the scheme's own invariants hold (when it states them); counters are back
 * at their initial values when a folio is freed; a snapshot restores every answer.
 */
export function describeStrategyContract<S>(factory: () => ContractStrategy<S>, opts: ContractOptions = {}): void {
  const st = factory()
  const runs = opts.runs ?? 20
  const n = opts.events ?? 400
  const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
  describe(`strategy contract: ${st.id}`, () => {
    propTest.prop([seed], { numRuns: runs })('exact queries equal the ground truth after every event of random anon streams', (sd) => {
      checkStream(st, syntheticEvents(n, { seed: sd, maxProcs: 4, regionChunks: 2 }), `anon workload seed ${sd}`)
    })
    propTest.prop([seed], { numRuns: runs })('exact queries equal the ground truth after every event of random file/shmem/HugeTLB/split streams', (sd) => {
      checkStream(st, mixedEvents(n, { seed: sd }), `mixed workload seed ${sd}`)
    })
    test('a snapshot is independent of the live state and restore brings its answers back', () => {
      const events = syntheticEvents(600, { seed: 7 })
      const half = Math.floor(events.length / 2)
      const s = st.init()
      const tx1 = new Txn(emptyState())
      for (const e of events.slice(0, half)) feed(st, s, tx1, e)
      const mid = tx1.commit()
      const snap = st.snapshot(s)
      const answers = (x: S): number[] => {
        const out: number[] = []
        trieForEach(mid.folios, (k) => out.push(st.folioMapcount(x, k), st.pageMapcount(x, k) ?? -1))
        return out
      }
      const atHalf = answers(s)
      const tx2 = new Txn(mid)
      for (const e of events.slice(half)) feed(st, s, tx2, e)
      expect(answers(st.restore(snap))).toEqual(atHalf)
    })
    if (opts.corpus !== undefined) {
      const load = opts.corpus
      test('exact queries equal the ground truth after every event of every corpus scenario', async (ctx) => {
        const cases = await load()
        if (cases === null) return ctx.skip()
        for (const c of cases) checkStream(st, c.events, c.name, true)
      })
    }
  })
}

function feed<S>(st: ContractStrategy<S>, s: S, tx: Txn, e: MmEvent): void {
  const before = tx.violationTotal
  applyEvent(tx, e)
  if (tx.violationTotal === before && st.handles.has(e.type)) st.apply(s, e, tx)
}
