import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mthpPolicy, shmemMthpPolicy, type KnobSettings } from '../scenario/knobSettings.ts'
import { formatSize, sizeKbName } from '../scenario/sizes.ts'
import type { Statement } from '../scenario/statements.ts'

/** THP sysfs directory. */
export const THP_DIR = '/sys/kernel/mm/transparent_hugepage'
const HUGETLB_DIR = '/sys/kernel/mm/hugepages'
const HVO_PATH = '/proc/sys/vm/hugetlb_optimize_vmemmap'
/** khugepaged sleeps this long (ms) while a scenario runs. */
export const KHUGEPAGED_ASLEEP_MS = '86400000'

/** the one line a live run (and export-c) answers to `set hgm=on` (HGM was never merged: no kernel has it) */
export const HGM_MODEL_ONLY = 'this kernel has no HugeTLB high-granularity mapping (set hgm=on is model-only)'

/** hgmModelOnlyLine - the line of the `set hgm=on` that leaves HGM on in @statements (knobs @hgm), or -1. */
export function hgmModelOnlyLine(hgm: boolean, statements: readonly Statement[]): number {
  if (!hgm) return -1
  for (const st of statements) if (st.op === 'set' && st.knob === 'hgm' && st.value) return st.line
  return -1
}

/** MissingKnob - the `set` statement at @line names a knob this kernel does not have. */
export class MissingKnob extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
    this.name = 'MissingKnob'
  }
}

/** KnobWrite - one sysfs/procfs file and the value a run writes to it, in application order. */
export interface KnobWrite {
  path: string
  value: string
}

/**
 * readKnob - the current value of a knob file: the bracketed word of a policy file
 * (`always [madvise] never` -> `madvise`), else the trimmed contents.
 */
export function readKnob(path: string): string {
  const text = readFileSync(path, 'utf8').trim()
  const m = /\[([^\]]+)\]/.exec(text)
  return m ? m[1]! : text
}

/**
 * knobSetting - the value that, written to @path, puts the knob back as it is now: readKnob, except for a
 * HugeTLB pool. Writing nr_hugepages sets the persistent pool, and the kernel first turns surplus pages
 * (huge pages in use or reserved beyond the persistent pool) into persistent ones: a pool reading 24 with 24
 * surplus is a persistent pool of 0, and writing 24 back would keep 24 pages for good. So a pool's setting is
 * nr_hugepages - surplus_hugepages (the sibling file), which equals nr_hugepages on a pool with no surplus.
 */
export function knobSetting(path: string): string {
  const value = readKnob(path)
  if (!path.endsWith('/nr_hugepages')) return value
  const surplusPath = `${path.slice(0, -'nr_hugepages'.length)}surplus_hugepages`
  if (!existsSync(surplusPath)) return value
  return String(Number(value) - Number(readKnob(surplusPath)))
}

/** writeKnob - write @value to the knob file @path (throws the system error on refusal). */
export function writeKnob(path: string, value: string): void {
  writeFileSync(path, value)
}

function sizeDirs(): number[] {
  if (!existsSync(THP_DIR)) return []
  return readdirSync(THP_DIR)
    .map((d) => /^hugepages-(\d+)kB$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]) * 1024)
    .sort((a, b) => a - b)
}

/**
 * knobPlan - every knob write a scenario needs, in application order: khugepaged asleep, THP and
 * per-size anon mTHP, the per-size shmem mTHP sizes below 2M that do not inherit, shmem THP, then 2M
 * and the sizes below 2M that inherit (the contract's defaults forced on every size this kernel has;
 * this order keeps `force` and a non-PMD `inherit` apart whatever the kernel held before), HVO, then
 * the HugeTLB pools (pages enter the pool with the HVO setting in force). Restoring goes in reverse
 * order.
 * @statements: used to name the line of a `set` whose knob this kernel lacks
 * @returns the writes, or throws MissingKnob when a `set` names a knob this kernel does not have.
 */
export function knobPlan(knobs: KnobSettings, statements: readonly Statement[] = []): KnobWrite[] {
  const sizes = sizeDirs()
  for (const st of statements) {
    if (st.op !== 'set') continue
    if (st.knob === 'hgm') {
      // model-only extension: no kernel has HGM (6.18 answers EINVAL to advice 26)
      if (st.line === hgmModelOnlyLine(knobs.hgm, statements)) throw new MissingKnob(st.line, HGM_MODEL_ONLY)
      continue
    }
    const missing =
      st.knob === 'thp.size' || st.knob === 'shmem_thp.size'
        ? `${THP_DIR}/hugepages-${sizeKbName(st.size)}/${st.knob === 'thp.size' ? 'enabled' : 'shmem_enabled'}`
        : st.knob === 'hugetlb'
          ? `${HUGETLB_DIR}/hugepages-${sizeKbName(st.size)}/nr_hugepages`
          : st.knob === 'hvo'
            ? HVO_PATH
            : `${THP_DIR}/${st.knob === 'thp' ? 'enabled' : 'shmem_enabled'}`
    if (!existsSync(missing)) throw new MissingKnob(st.line, `this kernel has no knob ${missing} (for set ${st.knob === 'hvo' ? 'hvo' : st.knob.replace('.size', '.' + formatSize('size' in st ? st.size : 0))})`)
  }
  const push = (x: KnobWrite | null): void => void (x && w.push(x))
  const w: KnobWrite[] = [
    { path: `${THP_DIR}/khugepaged/scan_sleep_millisecs`, value: KHUGEPAGED_ASLEEP_MS },
    { path: `${THP_DIR}/khugepaged/alloc_sleep_millisecs`, value: KHUGEPAGED_ASLEEP_MS },
    { path: `${THP_DIR}/enabled`, value: knobs.thp },
  ]
  for (const s of sizes) {
    const p = `${THP_DIR}/hugepages-${sizeKbName(s)}/enabled`
    if (existsSync(p)) w.push({ path: p, value: mthpPolicy(knobs, s) })
  }
  // shmem: the kernel refuses `force` while a size below 2M inherits (or 2M does not), and `inherit`
  // below 2M while `force` is in force (shmem_parse_huge(), thpsize_shmem_enabled_store()). So the
  // sizes below 2M that stop inheriting go first, then shmem_enabled (2M still as before: inherit on a
  // default kernel), then 2M and the sizes below 2M that inherit (never under force: a scenario error)
  const shmemSize = (s: number): KnobWrite | null => {
    const p = `${THP_DIR}/hugepages-${sizeKbName(s)}/shmem_enabled`
    return existsSync(p) ? { path: p, value: shmemMthpPolicy(knobs, s) } : null
  }
  const early = (s: number): boolean => s < 2 * 1024 ** 2 && shmemMthpPolicy(knobs, s) !== 'inherit'
  for (const s of sizes.filter(early)) push(shmemSize(s))
  w.push({ path: `${THP_DIR}/shmem_enabled`, value: knobs.shmemThp })
  for (const s of sizes.filter((s) => !early(s))) push(shmemSize(s))
  if (existsSync(HVO_PATH)) w.push({ path: HVO_PATH, value: knobs.hvo ? '1' : '0' })
  for (const s of [2 * 1024 ** 2, 1024 ** 3]) {
    const p = `${HUGETLB_DIR}/hugepages-${sizeKbName(s)}/nr_hugepages`
    if (existsSync(p)) w.push({ path: p, value: String(knobs.hugetlb.get(s) ?? 0) })
  }
  return w
}
