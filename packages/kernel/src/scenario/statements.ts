/**
 * Typed statements of a scenario file (contract v1, `shared/contracts/scenario.md`), as produced by
 * parseScenario(). Every statement carries its 1-based source @line. Sizes, offsets and lengths are
 * in bytes. Ranges are already resolved against the mapping they name in the acting process, so a
 * consumer never has to look at the text again.
 */

/** Process name, `p[0-9]+`. */
export type ProcName = string
/** Mapping name, `[A-Z][A-Za-z0-9_]*` (per process). */
export type MappingName = string

/** Kind of memory behind a mapping. */
export type MappingKind = 'anon' | 'shmem' | 'file' | 'hugetlb2M' | 'hugetlb1G'
/** MAP_PRIVATE or MAP_SHARED. */
export type Sharing = 'private' | 'shared'

/**
 * ByteRange - [offset, offset + length) of the mapping @mapping, in bytes from the mapping's start.
 * Always inside the mapping's original extent and never empty.
 */
export interface ByteRange {
  mapping: MappingName
  offset: number
  length: number
}

/** madvise() advice names of the contract plus the extensions listed in traces/scenarios/README.md. */
export type Advice =
  | 'hugepage'
  | 'nohugepage'
  | 'dontneed'
  | 'free'
  | 'remove'
  | 'pageout'
  | 'collapse'
  | 'split'
  // extensions (see traces/scenarios/README.md)
  | 'dontfork'
  | 'dofork'
  | 'cold'
  | 'populate_read'
  | 'populate_write'

/** Every advice name accepted by the parser, in documentation order. */
export const ADVICES: readonly Advice[] = [
  'hugepage',
  'nohugepage',
  'dontneed',
  'free',
  'remove',
  'pageout',
  'collapse',
  'split',
  'dontfork',
  'dofork',
  'cold',
  'populate_read',
  'populate_write',
]

/** PMD THP policy (`set thp=`). */
export type ThpPolicy = 'always' | 'madvise' | 'never'
/** Per-size anon mTHP policy (`set thp.SIZE=`). */
export type MthpPolicy = 'always' | 'inherit' | 'madvise' | 'never'
/** Shmem huge policy (`set shmem_thp=`). */
export type ShmemThpPolicy = 'always' | 'within_size' | 'advise' | 'never' | 'deny' | 'force'
/** Per-size shmem mTHP policy (`set shmem_thp.SIZE=`). */
export type ShmemMthpPolicy = 'always' | 'inherit' | 'within_size' | 'advise' | 'never'

export const THP_POLICIES: readonly ThpPolicy[] = ['always', 'madvise', 'never']
export const MTHP_POLICIES: readonly MthpPolicy[] = ['always', 'inherit', 'madvise', 'never']
export const SHMEM_THP_POLICIES: readonly ShmemThpPolicy[] = ['always', 'within_size', 'advise', 'never', 'deny', 'force']
export const SHMEM_MTHP_POLICIES: readonly ShmemMthpPolicy[] = ['always', 'inherit', 'within_size', 'advise', 'never']

/** `scenario NAME` */
export interface ScenarioNameStatement {
  op: 'scenario'
  line: number
  name: string
}

/** `set KNOB=VALUE`: one variant per knob family; @size is the mTHP size or HugeTLB page size in bytes. */
export type SetStatement =
  | { op: 'set'; line: number; knob: 'thp'; value: ThpPolicy }
  | { op: 'set'; line: number; knob: 'thp.size'; size: number; value: MthpPolicy }
  | { op: 'set'; line: number; knob: 'shmem_thp'; value: ShmemThpPolicy }
  | { op: 'set'; line: number; knob: 'shmem_thp.size'; size: number; value: ShmemMthpPolicy }
  | { op: 'set'; line: number; knob: 'hugetlb'; size: number; value: number }
  | { op: 'set'; line: number; knob: 'hvo'; value: boolean }
  /** `set hgm=on|off` (model-only extension: HugeTLB high-granularity mapping of the HGM v2 series) */
  | { op: 'set'; line: number; knob: 'hgm'; value: boolean }

/** `PROC mmap NAME SIZE KIND SHARING [skew=OFF]` */
export interface MmapStatement {
  op: 'mmap'
  line: number
  proc: ProcName
  name: MappingName
  size: number
  kind: MappingKind
  sharing: Sharing
  skew: number
}

/** `PROC munmap|read|write|punch|continue RANGE`, [extension] `PROC pin RANGE` (docs/scenario-language.md §8.5) */
export interface RangeStatement {
  op: 'munmap' | 'read' | 'write' | 'punch' | 'continue' | 'pin'
  line: number
  proc: ProcName
  range: ByteRange
}

/** `PROC fork CHILD` */
export interface ForkStatement {
  op: 'fork'
  line: number
  proc: ProcName
  child: ProcName
}

/** `PROC exit` */
export interface ExitStatement {
  op: 'exit'
  line: number
  proc: ProcName
}

/** [extension] `PROC unpin`: drop every pin @proc holds (docs/scenario-language.md §8.5) */
export interface UnpinStatement {
  op: 'unpin'
  line: number
  proc: ProcName
}

/** `PROC madvise RANGE ADVICE` */
export interface MadviseStatement {
  op: 'madvise'
  line: number
  proc: ProcName
  range: ByteRange
  advice: Advice
}

/** `PROC mremap RANGE TARGET` */
export interface MremapStatement {
  op: 'mremap'
  line: number
  proc: ProcName
  range: ByteRange
  target: MappingName
}

/** `PROC mprotect RANGE ro|rw` */
export interface MprotectStatement {
  op: 'mprotect'
  line: number
  proc: ProcName
  range: ByteRange
  prot: 'ro' | 'rw'
}

/** `check`, `check vmemmap`, [extension] `check smaps`, `check vmemmap smaps` */
export interface CheckStatement {
  op: 'check'
  line: number
  vmemmap: boolean
  /** [extension] also record each mapping's /proc/PID/smaps figures (absent = false) */
  smaps?: boolean
}

/** A statement that names an acting process. */
export type ProcessStatement =
  | MmapStatement
  | RangeStatement
  | ForkStatement
  | ExitStatement
  | UnpinStatement
  | MadviseStatement
  | MremapStatement
  | MprotectStatement

/** Header statements (before the first process statement). */
export type HeaderStatement = ScenarioNameStatement | SetStatement

/** Any statement of a scenario, discriminated by `op`. */
export type Statement = HeaderStatement | ProcessStatement | CheckStatement
