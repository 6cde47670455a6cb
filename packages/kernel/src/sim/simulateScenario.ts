import { assertNever, HPAGE_PMD_ORDER, type MmEvent, type MmState, toMmState, type TruthState } from '@mmsim/core'
import type { ObservationDocument } from '../live/observation.ts'
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import { ScenarioScope } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { Statement } from '../scenario/statements.ts'
import { continueOp } from './continueOp.ts'
import { fork } from './fork.ts'
import { hugetlbFork, initPools } from './hugetlb.ts'
import { madviseOp } from './madvise.ts'
import { modelCheck } from './modelObservation.ts'
import { modelSmaps } from './modelSmaps.ts'
import type { PageObserver } from './pageObserver.ts'
import { pinOp, refusePinnedSplit, unpinOp } from './pinOp.ts'
import { punchFile } from './punch.ts'
import { pidOf, Refusal, SimContext, type EventSink, type MapRec } from './simContext.ts'
import { touchOp } from './touch.ts'
import { exitOp, mmapOp, mprotectOp, mremapOp, munmapOp } from './vmaOps.ts'

/** MODEL_DETAIL - the `detail` of the model's observation documents. */
const MODEL_DETAIL = 'linux-6.18 model (ground truth)'

/**
 * SimResult - one simulated run of a scenario.
 * @events: every event, in order, with causes `file:line` (check/marked marks included)
 * @observation: the model's observation document (contract: docs/observation-format.md)
 * @state: the final ground-truth state
 */
export interface SimResult {
  events: MmEvent[]
  observation: ObservationDocument
  state: MmState
}

/**
 * SimRun - one simulated run whose events went to a sink ({@link runScenario}).
 * @events: how many events were emitted
 * @truth: the final ground truth (flat; toMmState() gives the legacy view)
 */
export interface SimRun {
  events: number
  observation: ObservationDocument
  truth: TruthState
}

/** FatalScenarioError - the scenario cannot go on (a refused fork), as on the live runner. */
export class FatalScenarioError extends Error {}

/** simDetail - the `detail` of the observation document a run with @observer gives (known before it runs). */
export function simDetail(observer: PageObserver | null = null): string {
  return observer?.detail ?? MODEL_DETAIL
}

/**
 * simulateScenario - run parsed scenario @s on the simulated Linux 6.18 kernel (see {@link runScenario})
 * and collect every event and the final state in memory (small scenarios: tests, observe, verify).
 * @observer: a mapcount scheme riding along (`mmsim observe --strategy`): it sees every event and answers
 *   the observation's mapcount and exclusive fields instead of the ground-truth shortcut
 */
export function simulateScenario(s: ParsedScenario, observer: PageObserver | null = null): SimResult {
  const events: MmEvent[] = []
  const r = runScenario(s, (e) => void events.push({ ...e }), observer)
  return { events, observation: r.observation, state: toMmState(r.truth) }
}

/**
 * runScenario - run parsed scenario @s on the simulated Linux 6.18 kernel: its knobs (pools grown
 * and HVO applied first), then every statement, turning each into the core events the kernel would
 * perform, each handed to @sink as it is emitted (a scratch object: copy it to keep it); operations the
 * kernel refuses are recorded with its errno and the run goes on. Nothing is kept per event, so memory
 * follows the simulated state, not the trace. The zero page and the huge zero folio are allocated once
 * at the start.
 * @observer: a mapcount scheme riding along (see {@link simulateScenario})
 * @atEnd: called with the simulated kernel's state after the last statement (the waste report reads page
 *   contents and punch records there, which the ground truth does not hold)
 * @throws FatalScenarioError on a refused fork (the events emitted before it have gone to @sink)
 */
export function runScenario(s: ParsedScenario, sink: EventSink | null, observer: PageObserver | null = null, atEnd: ((ctx: SimContext) => void) | null = null): SimRun {
  const ctx = new SimContext(s.knobs)
  ctx.observer = observer
  ctx.sink = sink
  const scope = new ScenarioScope()
  const files = new Map<number, number>()
  const fileOf = (scopeFile: number, kind: MapRec['kind'], pages: number): number => {
    let id = files.get(scopeFile)
    if (id === undefined) {
      id = ctx.newFile(kind === 'file' ? 'file' : kind === 'shmem' ? 'shmem' : 'hugetlb', pages)
      files.set(scopeFile, id)
    }
    return id
  }
  const checks: ObservationDocument['checks'] = []
  ctx.cause = `${s.file}:0`
  ctx.emit('process/created', { pid: 0 })
  ctx.zeroPfn = ctx.allocFolio(0, 'zero')
  ctx.hugeZeroPfn = ctx.allocFolio(HPAGE_PMD_ORDER, 'hugezero')
  initPools(ctx, s.knobs)
  for (const st of s.statements) {
    ctx.cause = `${s.file}:${st.line}`
    try {
      run(ctx, scope, st, fileOf, checks)
    } catch (e) {
      if (!(e instanceof Refusal)) throw e
      if (st.op === 'fork') throw new FatalScenarioError(`${s.file}:${st.line}: fork refused (${e.errno}); the rest of the scenario cannot run`)
      ctx.refused.push({ line: st.line, op: st.op, errno: e.errno })
    }
  }
  atEnd?.(ctx)
  return {
    events: ctx.emitted,
    truth: ctx.truth,
    observation: { format: 'mmsim-observations/1', scenario: s.name, source: 'model', detail: simDetail(observer), refused: ctx.refused, checks },
  }
}

type FileOf = (scopeFile: number, kind: MapRec['kind'], pages: number) => number

function run(ctx: SimContext, scope: ScenarioScope, st: Statement, fileOf: FileOf, checks: ObservationDocument['checks']): void {
  switch (st.op) {
    case 'scenario':
    case 'set':
      return
    case 'check': {
      ctx.emit('check/marked', { line: st.line })
      const c = modelCheck(ctx, scope, st.line)
      const obs = st.vmemmap ? { line: c.line, vmemmapPagesDelta: ctx.vmemmapDelta, procs: c.procs } : c
      checks.push(st.smaps === true ? { ...obs, smaps: modelSmaps(ctx, scope) } : obs)
      return
    }
    case 'mmap': {
      const info = scope.apply(st)!
      return mmapOp(ctx, st.proc, pidOf(st.proc), info, fileOf)
    }
    case 'mremap': {
      const m = ctx.map(st.proc, st.range.mapping)
      const info = scope.apply(st)!
      return mremapOp(ctx, st.proc, pidOf(st.proc), m, st.range, info)
    }
    case 'fork': {
      const pid = pidOf(st.proc)
      const cpid = pidOf(st.child)
      scope.apply(st)
      return fork(ctx, st.proc, st.child, pid, cpid, (m, lo, hi) => hugetlbFork(ctx, pid, cpid, m, lo, hi))
    }
    case 'exit':
      scope.apply(st)
      exitOp(ctx, st.proc, pidOf(st.proc))
      return unpinOp(ctx, st.proc) // its pipes close with it
    case 'pin':
      return pinOp(ctx, st.proc, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st.range)
    case 'unpin':
      return unpinOp(ctx, st.proc)
    case 'munmap':
      return munmapOp(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st.range)
    case 'read':
    case 'write':
      return touchOp(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st.range, st.op === 'write')
    case 'mprotect':
      return mprotectOp(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st.range, st.prot)
    case 'madvise':
      refusePinnedSplit(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st)
      return madviseOp(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st)
    case 'punch': {
      const m = ctx.map(st.proc, st.range.mapping)
      return punchFile(ctx, m, m.pgoff + st.range.offset / PAGE_SIZE, st.range.length / PAGE_SIZE)
    }
    case 'continue':
      return continueOp(ctx, pidOf(st.proc), ctx.map(st.proc, st.range.mapping), st.range)
    default:
      return assertNever(st, 'scenario statement')
  }
}
