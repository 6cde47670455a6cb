import { ScenarioError } from './scenarioError.ts'
import { ScenarioScope } from './scenarioScope.ts'
import { PAGE_SIZE, parseSize } from './sizes.ts'
import {
  ADVICES,
  MTHP_POLICIES,
  SHMEM_MTHP_POLICIES,
  SHMEM_THP_POLICIES,
  THP_POLICIES,
  type Advice,
  type ByteRange,
  type MappingKind,
  type SetStatement,
  type Statement,
} from './statements.ts'
import { effectiveKnobs, type KnobSettings } from './knobSettings.ts'
import { refusedKnobCombination } from './knobCombination.ts'
import { checkScenarioLimits } from './scenarioLimits.ts'

/**
 * ParsedScenario - a valid scenario.
 * @name: the `scenario NAME` statement's name, else the file name without directory and extension
 * @statements: every statement in file order (header statements included)
 * @knobs: the knob values the scenario runs with (explicit `set`s over the contract's defaults)
 */
export interface ParsedScenario {
  file: string
  name: string
  statements: Statement[]
  knobs: KnobSettings
}

const GiB = 1024 ** 3
const MiB = 1024 ** 2
/** Largest size + skew of one mapping (the live runner's slots are 64 GiB apart). */
const MAX_MAPPING_SPAN = 63 * GiB
/** the largest HugeTLB pool `set hugetlb.SIZE=N` may ask for, per size: N × SIZE at most 64 GiB (32768 × 2M, 64 × 1G) */
export const MAX_HUGETLB_POOL_BYTES = 64 * GiB

const PROC_RE = /^p[0-9]+$/
const NAME_RE = /^[A-Z][A-Za-z0-9_]*$/
const SCENARIO_NAME_RE = /^[A-Za-z0-9_.+-]+$/
const KINDS: readonly MappingKind[] = ['anon', 'shmem', 'file', 'hugetlb2M', 'hugetlb1G']

class LineError extends Error {}
const fail = (msg: string): never => {
  throw new LineError(msg)
}

function oneOf<T extends string>(what: string, tok: string | undefined, options: readonly T[]): T {
  if (tok !== undefined && (options as readonly string[]).includes(tok)) return tok as T
  return fail(`expected ${what} (${options.join(', ')})${tok === undefined ? '' : `, got '${tok}'`}`)
}

function size(what: string, tok: string | undefined, allowZero = false): number {
  if (tok === undefined) fail(`expected ${what} (a size such as 4K, 2M, 1G or 12288)`)
  const n = parseSize(tok!)
  if (n === null) return fail(`expected ${what} (a size such as 4K, 2M, 1G or 12288), got '${tok}'`)
  if (n % PAGE_SIZE !== 0) fail(`${what} ${tok} is not a multiple of 4K`)
  if (n === 0 && !allowZero) fail(`${what} must not be zero`)
  return n
}

function noMore(toks: string[], from: number): void {
  if (toks.length > from) fail(`unexpected '${toks[from]}' (expected end of statement)`)
}

function parseSet(toks: string[], line: number): SetStatement {
  noMore(toks, 2)
  const arg = toks[1]
  const eq = arg?.indexOf('=') ?? -1
  if (arg === undefined || eq < 0) return fail('expected KNOB=VALUE after set (thp, thp.SIZE, shmem_thp, shmem_thp.SIZE, hugetlb.2M, hugetlb.1G, hvo, hgm)')
  const key = arg.slice(0, eq)
  const value = arg.slice(eq + 1)
  const dot = key.indexOf('.')
  const family = dot < 0 ? key : key.slice(0, dot)
  const sizeTok = dot < 0 ? undefined : key.slice(dot + 1)
  const mthpSize = (): number => {
    const n = parseSize(sizeTok ?? '')
    if (n === null || n < 8 * 1024 || n > 2 * MiB || (n & (n - 1)) !== 0) fail(`expected a power of two from 8K to 2M after ${family}., got '${sizeTok}'`)
    return n!
  }
  if (family === 'thp' && sizeTok === undefined) return { op: 'set', line, knob: 'thp', value: oneOf('thp policy', value, THP_POLICIES) }
  if (family === 'thp') return { op: 'set', line, knob: 'thp.size', size: mthpSize(), value: oneOf('mTHP policy', value, MTHP_POLICIES) }
  if (family === 'shmem_thp' && sizeTok === undefined) return { op: 'set', line, knob: 'shmem_thp', value: oneOf('shmem_thp policy', value, SHMEM_THP_POLICIES) }
  if (family === 'shmem_thp') return { op: 'set', line, knob: 'shmem_thp.size', size: mthpSize(), value: oneOf('shmem mTHP policy', value, SHMEM_MTHP_POLICIES) }
  if (family === 'hugetlb') {
    const hs = sizeTok === '2M' ? 2 * MiB : sizeTok === '1G' ? GiB : fail(`expected hugetlb.2M or hugetlb.1G, got '${key}'`)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) fail(`expected a page count N in ${key}=N, got '${value}'`)
    // every pool page is a simulated allocation and a trace event: bounded like a mapping (§ Limits)
    if (Number(value) * hs > MAX_HUGETLB_POOL_BYTES) fail(`a HugeTLB pool of at most ${MAX_HUGETLB_POOL_BYTES / hs} pages of ${sizeTok} (64G) is supported, got ${key}=${value}`)
    return { op: 'set', line, knob: 'hugetlb', size: hs, value: Number(value) }
  }
  if (key === 'hvo') return { op: 'set', line, knob: 'hvo', value: oneOf('hvo value', value, ['on', 'off']) === 'on' }
  // model-only extension (docs/scenario-language.md "Extension: HugeTLB high-granularity mapping")
  if (key === 'hgm') return { op: 'set', line, knob: 'hgm', value: oneOf('hgm value', value, ['on', 'off']) === 'on' }
  return fail(`unknown knob '${key}' (expected thp, thp.SIZE, shmem_thp, shmem_thp.SIZE, hugetlb.2M, hugetlb.1G, hvo or hgm)`)
}

function parseRange(scope: ScenarioScope, proc: string, tok: string | undefined): ByteRange {
  if (tok === undefined) return fail('expected a range (NAME or NAME[OFF+LEN])')
  const m = /^([^[\]]+)(?:\[([^+\]]+)\+([^\]]+)\])?$/.exec(tok)
  if (!m || !NAME_RE.test(m[1]!)) return fail(`expected a range (NAME or NAME[OFF+LEN], NAME like A or Buf_2), got '${tok}'`)
  const info = scope.mapping(proc, m[1]!)
  if (m[2] === undefined) return { mapping: info.name, offset: 0, length: info.size }
  const offset = size('range offset', m[2], true)
  const length = size('range length', m[3])
  if (offset + length > info.size) fail(`range ${tok} is outside mapping ${info.name} of ${proc} (expected OFF+LEN <= its size ${info.size / 1024}K)`)
  return { mapping: info.name, offset, length }
}

/** the largest range one `pin` may take (the runner's one pipe per pin holds a buffer per page) */
export const MAX_PIN_BYTES = GiB

/** checkPin - [extension] `pin` (§8.5) takes page-cache folios only, at most {@link MAX_PIN_BYTES} per statement. */
function checkPin(kind: MappingKind, range: ByteRange): void {
  if (kind !== 'shmem' && kind !== 'file') fail(`pin needs a shmem or file mapping; ${range.mapping} is ${kind} (pins of anon and HugeTLB folios are not modelled)`)
  if (range.length > MAX_PIN_BYTES) fail(`a pin of at most 1G (262144 pages) is supported, got ${range.length / 1024}K`)
}

function parseProcessStatement(scope: ScenarioScope, toks: string[], line: number): Statement {
  const proc = toks[0]!
  scope.mappings(proc)
  const op = toks[1]
  switch (op) {
    case 'mmap': {
      const name = toks[2]
      if (name === undefined || !NAME_RE.test(name)) fail(`expected a mapping name ([A-Z][A-Za-z0-9_]*) after mmap${name === undefined ? '' : `, got '${name}'`}`)
      const sz = size('mapping size', toks[3])
      const kind = oneOf('mapping kind', toks[4], KINDS)
      const sharing = oneOf('sharing', toks[5], ['private', 'shared'] as const)
      let skew = 0
      if (toks[6] !== undefined) {
        if (!toks[6].startsWith('skew=')) fail(`expected skew=OFF or end of statement, got '${toks[6]}'`)
        skew = size('skew', toks[6].slice(5), true)
        noMore(toks, 7)
      }
      if (skew >= GiB) fail(`skew ${toks[6]!.slice(5)} must be below 1G (it is an offset inside the mapping's 1G slot)`)
      if (sz + skew > MAX_MAPPING_SPAN) fail('size plus skew must be at most 63G')
      const huge = kind === 'hugetlb2M' ? 2 * MiB : kind === 'hugetlb1G' ? GiB : 0
      if (huge && (sz % huge !== 0 || skew % huge !== 0)) fail(`size and skew of a ${kind} mapping must be multiples of ${kind.slice(7)}`)
      return { op, line, proc, name: name!, size: sz, kind, sharing, skew }
    }
    case 'munmap':
    case 'read':
    case 'write':
    case 'punch':
    case 'continue':
    case 'pin': {
      const range = parseRange(scope, proc, toks[2])
      noMore(toks, 3)
      if (op === 'punch' && scope.mapping(proc, range.mapping).kind === 'anon') fail(`punch needs a shmem, file or hugetlb mapping; ${range.mapping} is anon (there is no file)`)
      if (op === 'pin') checkPin(scope.mapping(proc, range.mapping).kind, range)
      return { op, line, proc, range }
    }
    case 'unpin':
      noMore(toks, 2)
      return { op, line, proc }
    case 'fork': {
      const child = toks[2]
      if (child === undefined || !PROC_RE.test(child)) fail(`expected a child process name (p[0-9]+) after fork${child === undefined ? '' : `, got '${child}'`}`)
      noMore(toks, 3)
      return { op, line, proc, child: child! }
    }
    case 'exit':
      noMore(toks, 2)
      return { op, line, proc }
    case 'madvise': {
      const range = parseRange(scope, proc, toks[2])
      const advice: Advice = oneOf('madvise advice', toks[3], ADVICES)
      noMore(toks, 4)
      return { op, line, proc, range, advice }
    }
    case 'mremap': {
      const range = parseRange(scope, proc, toks[2])
      const target = toks[3]
      if (target === undefined || !NAME_RE.test(target)) fail(`expected the new mapping name ([A-Z][A-Za-z0-9_]*) after the mremap range${target === undefined ? '' : `, got '${target}'`}`)
      noMore(toks, 4)
      return { op, line, proc, range, target: target! }
    }
    case 'mprotect': {
      const range = parseRange(scope, proc, toks[2])
      const prot = oneOf('protection', toks[3], ['ro', 'rw'] as const)
      noMore(toks, 4)
      return { op, line, proc, range, prot }
    }
    default:
      return fail(`unknown op '${op ?? ''}' (expected mmap, munmap, read, write, fork, exit, madvise, mremap, mprotect, punch, continue, pin or unpin)`)
  }
}

/**
 * parseScenario - parse and validate a whole scenario file (contract v1 plus documented extensions).
 * @text: the file's contents
 * @file: the file name used in error messages and as the default scenario name
 * @returns the statements with line numbers, ranges resolved to bytes, and the effective knobs.
 * Throws ScenarioError (`file:line: message`) at the first error; nothing is executed by parsing.
 */
export function parseScenario(text: string, file: string): ParsedScenario {
  const scope = new ScenarioScope()
  const statements: Statement[] = []
  let inHeader = true
  let name: string | null = null
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = i + 1
    const toks = raw.replace(/#.*/, '').trim().split(/\s+/).filter((t) => t !== '')
    if (toks.length === 0) return
    try {
      const head = toks[0]!
      let st: Statement
      if (head === 'scenario' || head === 'set') {
        if (!inHeader) fail(`${head} must come before the first process statement or check`)
        if (head === 'scenario') {
          if (toks[1] === undefined || !SCENARIO_NAME_RE.test(toks[1])) fail('expected a scenario name (letters, digits, _ . + -) after scenario')
          noMore(toks, 2)
          if (name !== null) fail('scenario name given twice')
          name = toks[1]!
          st = { op: 'scenario', line, name: toks[1]! }
        } else st = parseSet(toks, line)
      } else if (head === 'check') {
        // `check [vmemmap] [smaps]` (smaps: [extension], docs/scenario-language.md §8.1)
        let at = 1
        const vmemmap = toks[at] === 'vmemmap'
        if (vmemmap) at++
        const smaps = toks[at] === 'smaps'
        if (smaps) at++
        if (toks[at] !== undefined) fail(`expected 'check', 'check vmemmap', 'check smaps' or 'check vmemmap smaps', got '${toks[at]}'`)
        inHeader = false
        st = smaps ? { op: 'check', line, vmemmap, smaps } : { op: 'check', line, vmemmap }
      } else if (PROC_RE.test(head)) {
        inHeader = false
        st = parseProcessStatement(scope, toks, line)
        scope.apply(st)
      } else {
        return fail(`expected a statement (scenario, set, check or PROC OP …), got '${head}'`)
      }
      statements.push(st)
    } catch (e) {
      if (e instanceof LineError || (e instanceof Error && !(e instanceof ScenarioError))) throw new ScenarioError(file, line, e.message)
      throw e
    }
  })
  const refused = refusedKnobCombination(statements)
  if (refused !== null) throw new ScenarioError(file, refused.line, refused.message)
  checkScenarioLimits(file, statements)
  const base = file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')
  return { file, name: name ?? base, statements, knobs: effectiveKnobs(statements) }
}
