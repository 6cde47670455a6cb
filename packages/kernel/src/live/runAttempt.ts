import { readFileSync } from 'node:fs'
import { assertNever } from '@mmsim/core'
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import { ScenarioScope, type MappingInfo } from '../scenario/scenarioScope.ts'
import type { Advice, Statement } from '../scenario/statements.ts'
import { LiveKernelError } from './liveKernelError.ts'
import type { CheckObservation, RefusedOp } from './observation.ts'
import { observeCheck, readVmemmapPages, slotAddress } from './observeCheck.ts'
import type { SmapsCounts } from './observation.ts'
import { smapsOfRange } from './smaps.ts'
import type { RunnerClient } from './runnerClient.ts'

/** madvise() advice numbers (include/uapi/asm-generic/mman-common.h; `split` = 26, contract rule 8). */
export const ADVICE_NUMBERS: Record<Advice, number> = {
  dontneed: 4,
  free: 8,
  remove: 9,
  dontfork: 10,
  dofork: 11,
  hugepage: 14,
  nohugepage: 15,
  cold: 20,
  pageout: 21,
  populate_read: 22,
  populate_write: 23,
  collapse: 25,
  split: 26,
}

const RUNNER_KIND = { anon: 'anon', shmem: 'shmem', file: 'file', hugetlb2M: 'huge2M', hugetlb1G: 'huge1G' } as const
const MAX_SLOTS = 48

/** AttemptResult - what one execution of a scenario on one runner produced. */
export interface AttemptResult {
  refused: RefusedOp[]
  checks: CheckObservation[]
}

/**
 * runAttempt - execute every statement of @s on @runner (whose worker p0 is slot 0) and observe each
 * `check` twice, accepting when both readings agree (up to 5 tries).
 * @vmemmapBase: vmemmap page count before the first knob was applied (for `check vmemmap`)
 * @onStatement: called as each statement starts (statement @done of @total, its scenario line and op)
 * Throws InvalidObservation (blank struct pages: the caller retries), LiveKernelError (refused fork).
 */
export async function runAttempt(runner: RunnerClient, s: ParsedScenario, vmemmapBase: number, onStatement?: (done: number, total: number, line: number, op: string) => void): Promise<AttemptResult> {
  const scope = new ScenarioScope()
  const slots = new Map<string, number>([['p0', 0]])
  let nextSlot = 1
  const refused: RefusedOp[] = []
  const checks: CheckObservation[] = []
  const addr = (m: MappingInfo, off = 0): number => slotAddress(m.slot, m.skew) + off

  const exec = async (st: Statement, op: string): Promise<void> => {
    if (!('proc' in st)) return
    const r = await runner.worker(slots.get(st.proc)!, op)
    if (!r.ok) {
      if (st.op === 'fork') throw new LiveKernelError(`${s.file}:${st.line}: fork refused (${r.errno}); the rest of the scenario cannot run`)
      refused.push({ line: st.line, op: st.op, errno: r.errno })
    }
  }

  // test hook: slow the run down so that tests can interrupt it mid-way
  const stepDelay = Number(process.env['MMSIM_LIVE_STEP_DELAY_MS'] ?? 0)
  for (const [i, st] of s.statements.entries()) {
    onStatement?.(i + 1, s.statements.length, st.line, st.op)
    if (stepDelay > 0) await new Promise((r) => setTimeout(r, stepDelay))
    switch (st.op) {
      case 'scenario':
      case 'set':
        break
      case 'check': {
        let obs = await observeCheck(runner, scope, slots, st.line)
        for (let tries = 0; ; tries++) {
          const again = await observeCheck(runner, scope, slots, st.line)
          if (JSON.stringify(again) === JSON.stringify(obs)) break
          if (tries >= 4) throw new Error(`${s.file}:${st.line}: two successive observations never agreed`)
          obs = again
        }
        if (st.vmemmap) obs = { line: obs.line, vmemmapPagesDelta: readVmemmapPages() - vmemmapBase, procs: obs.procs }
        if (st.smaps === true) obs = { ...obs, smaps: readSmaps(runner, scope, slots) }
        checks.push(obs)
        break
      }
      case 'mmap': {
        const m = scope.apply(st)!
        await exec(st, `mmap ${addr(m)} ${m.size} ${RUNNER_KIND[m.kind]} ${m.sharing} ${m.file ?? -1}`)
        break
      }
      case 'mremap': {
        const src = scope.mapping(st.proc, st.range.mapping)
        const m = scope.apply(st)!
        await exec(st, `mremap ${addr(src, st.range.offset)} ${st.range.length} ${addr(m)}`)
        break
      }
      case 'fork': {
        if (nextSlot >= MAX_SLOTS) throw new LiveKernelError(`${s.file}:${st.line}: the live runner supports at most ${MAX_SLOTS - 1} forks per scenario`)
        const child = nextSlot++
        await exec(st, `fork ${child}`)
        scope.apply(st)
        slots.set(st.child, child)
        break
      }
      case 'exit':
        await exec(st, 'exit')
        scope.apply(st)
        slots.delete(st.proc)
        break
      case 'unpin':
        await exec(st, 'unpin')
        break
      case 'munmap':
      case 'read':
      case 'write':
      case 'pin': {
        const m = scope.mapping(st.proc, st.range.mapping)
        await exec(st, `${st.op} ${addr(m, st.range.offset)} ${st.range.length}`)
        break
      }
      case 'mprotect': {
        const m = scope.mapping(st.proc, st.range.mapping)
        await exec(st, `mprotect ${addr(m, st.range.offset)} ${st.range.length} ${st.prot}`)
        break
      }
      case 'madvise': {
        const m = scope.mapping(st.proc, st.range.mapping)
        await exec(st, `madvise ${addr(m, st.range.offset)} ${st.range.length} ${ADVICE_NUMBERS[st.advice]}`)
        break
      }
      case 'punch': {
        const m = scope.mapping(st.proc, st.range.mapping)
        await exec(st, `punch ${m.file} ${m.fileOffset + st.range.offset} ${st.range.length}`)
        break
      }
      case 'continue': {
        const m = scope.mapping(st.proc, st.range.mapping)
        const huge = m.kind === 'hugetlb2M' || m.kind === 'hugetlb1G' ? 1 : 0
        await exec(st, `continue ${addr(m, st.range.offset)} ${st.range.length} ${m.file ?? -1} ${m.fileOffset + st.range.offset} ${huge}`)
        break
      }
      default:
        assertNever(st, 'scenario statement')
    }
  }
  return { refused, checks }
}

/**
 * readSmaps - [extension] `check smaps`: /proc/PID/smaps of every live worker, summed per mapping over the
 * VMAs in its slot (the workers are stopped between statements, so the figures are those of the check).
 */
function readSmaps(runner: RunnerClient, scope: ScenarioScope, slots: Map<string, number>): Record<string, Record<string, SmapsCounts>> {
  const out: Record<string, Record<string, SmapsCounts>> = {}
  for (const proc of scope.liveProcs()) {
    const pid = runner.workerPids.get(slots.get(proc)!)
    if (pid === undefined) throw new LiveKernelError(`no worker pid for ${proc}`)
    const text = readFileSync(`/proc/${pid}/smaps`, 'utf8')
    const table = scope.mappings(proc)
    const names = [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const maps: Record<string, SmapsCounts> = {}
    for (const name of names) {
      const m = table.get(name)!
      const start = slotAddress(m.slot, m.skew)
      maps[name] = smapsOfRange(text, start, start + m.size)
    }
    out[proc] = maps
  }
  return out
}
