import { assertNever } from '@mmsim/core'
import type { MappingKind, MappingName, ProcName, Sharing, Statement } from './statements.ts'

/**
 * MappingInfo - what a mapping name stands for in one process, for its whole life.
 * @slot: global creation index (0, 1, 2, … over the whole scenario, in statement order); the live
 *        runner places the mapping at a slot-derived 1 GiB-aligned address plus @skew
 * @file: index of the file object behind the mapping (shmem/file/hugetlb: one per `mmap`, shared by
 *        `mremap` targets and by forked children), or null for anon
 * @fileOffset: offset of the mapping's first byte in that file (non-zero only for `mremap` targets)
 */
export interface MappingInfo {
  name: MappingName
  size: number
  kind: MappingKind
  sharing: Sharing
  skew: number
  slot: number
  file: number | null
  fileOffset: number
}

/**
 * ScenarioScope - the names in force while a scenario executes: live processes and, per process,
 * its mappings (names live as long as their process, with their original extent; a forked child
 * inherits every name). Used by the parser to resolve and validate statements, and by executors
 * (simulator, live runner) replaying the same statements to find slots and files.
 *
 * apply() throws a plain Error whose message names what was expected; parseScenario() adds file:line.
 */
export class ScenarioScope {
  /** Live processes, each with its mapping table. */
  readonly procs = new Map<ProcName, Map<MappingName, MappingInfo>>([['p0', new Map()]])
  /** Parent of every process ever forked (a reused name maps to its latest parent). */
  readonly parents = new Map<ProcName, ProcName>()
  private nextSlot = 0
  private nextFile = 0

  /** mappings - the mapping table of live process @proc; throws when @proc is not live. */
  mappings(proc: ProcName): Map<MappingName, MappingInfo> {
    const t = this.procs.get(proc)
    if (!t) throw new Error(`process ${proc} is not live (expected p0 or a child created by an earlier fork)`)
    return t
  }

  /** mapping - info of @name in live process @proc; throws when unknown. */
  mapping(proc: ProcName, name: MappingName): MappingInfo {
    const m = this.mappings(proc).get(name)
    if (!m) throw new Error(`process ${proc} has no mapping ${name} (expected a name created by mmap or mremap in ${proc} or an ancestor)`)
    return m
  }

  /**
   * apply - update the scope for one statement (header statements and checks change nothing).
   * Precondition: the statement's ranges were checked by the parser.
   * @returns the MappingInfo created by an mmap/mremap, else null.
   */
  apply(st: Statement): MappingInfo | null {
    switch (st.op) {
      case 'mmap': {
        const t = this.mappings(st.proc)
        if (t.has(st.name)) throw new Error(`mapping ${st.name} already exists in ${st.proc} (expected a new name; names live as long as their process)`)
        const info: MappingInfo = {
          name: st.name,
          size: st.size,
          kind: st.kind,
          sharing: st.sharing,
          skew: st.skew,
          slot: this.nextSlot++,
          file: st.kind === 'anon' ? null : this.nextFile++,
          fileOffset: 0,
        }
        t.set(st.name, info)
        return info
      }
      case 'mremap': {
        const t = this.mappings(st.proc)
        const src = this.mapping(st.proc, st.range.mapping)
        if (t.has(st.target)) throw new Error(`mapping ${st.target} already exists in ${st.proc} (expected a new name for the mremap target)`)
        const info: MappingInfo = {
          name: st.target,
          size: st.range.length,
          kind: src.kind,
          sharing: src.sharing,
          skew: src.skew,
          slot: this.nextSlot++,
          file: src.file,
          fileOffset: src.file === null ? 0 : src.fileOffset + st.range.offset,
        }
        t.set(st.target, info)
        return info
      }
      case 'fork': {
        const t = this.mappings(st.proc)
        if (this.procs.has(st.child)) throw new Error(`process ${st.child} is still live (expected the name of a new or exited process)`)
        this.procs.set(st.child, new Map([...t].map(([k, v]) => [k, { ...v }])))
        this.parents.set(st.child, st.proc)
        return null
      }
      case 'exit':
        this.mappings(st.proc)
        this.procs.delete(st.proc)
        return null
      case 'scenario':
      case 'set':
      case 'munmap':
      case 'read':
      case 'write':
      case 'punch':
      case 'continue':
      case 'pin':
      case 'unpin':
      case 'madvise':
      case 'mprotect':
      case 'check':
        return null
      default:
        return assertNever(st, 'scenario statement')
    }
  }

  /** liveProcs - live process names sorted numerically (p0, p1, p2, … p10), the observation order. */
  liveProcs(): ProcName[] {
    return [...this.procs.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
  }
}
