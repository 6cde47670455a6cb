import {
  HGM_MODEL_ONLY, mthpPolicy, printStatement, sizeKbName, shmemMthpPolicy, PAGE_SIZE, ScenarioScope,
  type Advice, type MappingInfo, type ObservationDocument, type PageObservation, type ParsedScenario,
} from '@mmsim/kernel'
import { assertNever, HPAGE_PMD_ORDER, HPAGE_PUD_ORDER } from '@mmsim/core'
import { SELFTEST_PRELUDE } from './selftestPrelude.ts'

/**
 * Constants of the live runner (packages/kernel/src/live: runAttempt.ts ADVICE_NUMBERS, observeCheck.ts
 * SLOT_BASE/SLOT_STRIDE, knobs.ts paths), repeated here because that package does not export them;
 * selftestExport.test.ts checks they are equal.
 */
export const SELFTEST_ADVICE: Record<Advice, number> = {
  dontneed: 4, free: 8, remove: 9, dontfork: 10, dofork: 11, hugepage: 14, nohugepage: 15, cold: 20, pageout: 21,
  populate_read: 22, populate_write: 23, collapse: 25, split: 26,
}
const GiB = 1024 ** 3
export const SELFTEST_SLOT_BASE = 32 * 1024 * GiB
export const SELFTEST_SLOT_STRIDE = 64 * GiB
const MAX_SLOTS = 48
const THP_DIR = '/sys/kernel/mm/transparent_hugepage'
const HUGETLB_DIR = '/sys/kernel/mm/hugepages'
const HVO_PATH = '/proc/sys/vm/hugetlb_optimize_vmemmap'
const RUNNER_KIND = { anon: 'anon', shmem: 'shmem', file: 'file', hugetlb2M: 'huge2M', hugetlb1G: 'huge1G' } as const
/** every per-size THP knob directory a kernel may have: powers of two from 8K to 2M (docs/scenario-language.md §2) */
const SIZES = Array.from({ length: 9 }, (_, i) => 8192 * 2 ** i)

/** SelftestError - the scenario cannot be exported as written (@line: its statement). */
export class SelftestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`)
    this.name = 'SelftestError'
  }
}

/** cString - @s as a C string literal (printable ASCII kept, the rest as octal escapes). */
export function cString(s: string): string {
  let out = '"'
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    if (c === '"' || c === '\\') out += '\\' + c
    else if (b >= 0x20 && b < 0x7f && c !== '?') out += c
    else out += '\\' + b.toString(8).padStart(3, '0')
  }
  return out + '"'
}

interface Knob {
  path: string
  value: string
  line: number
}

/**
 * knobTable - the knob writes of @s in the live runner's order (knobs.ts knobPlan(): khugepaged asleep, THP,
 * every per-size anon mTHP, the shmem sizes below 2M that do not inherit, shmem THP, 2M and the inheriting
 * shmem sizes, HVO, HugeTLB pools), for every knob a
 * kernel may have: the program skips files its kernel lacks, unless a `set` names them (@line > 0: skip 4).
 */
function knobTable(s: ParsedScenario): Knob[] {
  const k = s.knobs
  const setLine = new Map<string, number>()
  for (const st of s.statements) {
    if (st.op !== 'set' || st.knob === 'hgm') continue // hgm: no kernel file (exportSelftestC refuses hgm=on)
    const path =
      st.knob === 'thp.size' || st.knob === 'shmem_thp.size'
        ? `${THP_DIR}/hugepages-${sizeKbName(st.size)}/${st.knob === 'thp.size' ? 'enabled' : 'shmem_enabled'}`
        : st.knob === 'hugetlb'
          ? `${HUGETLB_DIR}/hugepages-${sizeKbName(st.size)}/nr_hugepages`
          : st.knob === 'hvo'
            ? HVO_PATH
            : `${THP_DIR}/${st.knob === 'thp' ? 'enabled' : 'shmem_enabled'}`
    setLine.set(path, st.line)
  }
  const w: Knob[] = []
  const add = (path: string, value: string): void => void w.push({ path, value, line: setLine.get(path) ?? 0 })
  add(`${THP_DIR}/khugepaged/scan_sleep_millisecs`, '86400000')
  add(`${THP_DIR}/khugepaged/alloc_sleep_millisecs`, '86400000')
  add(`${THP_DIR}/enabled`, k.thp)
  for (const size of SIZES) add(`${THP_DIR}/hugepages-${sizeKbName(size)}/enabled`, mthpPolicy(k, size))
  // as knobPlan(): sizes below 2M that stop inheriting, shmem_enabled, then 2M and inheriting sizes (the
  // kernel refuses force while a non-PMD size inherits, and such an inherit under force)
  const early = (size: number): boolean => size < 2 * 1024 ** 2 && shmemMthpPolicy(k, size) !== 'inherit'
  for (const size of SIZES.filter(early)) add(`${THP_DIR}/hugepages-${sizeKbName(size)}/shmem_enabled`, shmemMthpPolicy(k, size))
  add(`${THP_DIR}/shmem_enabled`, k.shmemThp)
  for (const size of SIZES.filter((s) => !early(s))) add(`${THP_DIR}/hugepages-${sizeKbName(size)}/shmem_enabled`, shmemMthpPolicy(k, size))
  add(HVO_PATH, k.hvo ? '1' : '0')
  for (const size of [2 * 1024 ** 2, GiB]) add(`${HUGETLB_DIR}/hugepages-${sizeKbName(size)}/nr_hugepages`, String(k.hugetlb.get(size) ?? 0))
  return w
}

interface Run {
  n: number
  present: number
  excl: number
  order: number
  mapcount: number
  label: number
  step: number
}

/** pageRuns - @pages run-length encoded: equal fields, folio labels constant or counting up by one. */
function pageRuns(pages: readonly PageObservation[]): Run[] {
  const runs: Run[] = []
  for (const p of pages) {
    const r: Run = p.present
      ? { n: 1, present: 1, excl: p.exclusive ? 1 : 0, order: p.order, mapcount: p.mapcount, label: p.folio ?? -1, step: 0 }
      : { n: 1, present: 0, excl: 0, order: 0, mapcount: 0, label: -1, step: 0 }
    const last = runs[runs.length - 1]
    if (last !== undefined && last.present === r.present && last.excl === r.excl && last.order === r.order && last.mapcount === r.mapcount) {
      const next = last.label < 0 ? -1 : last.label + last.n * last.step
      if (last.label < 0 ? r.label < 0 : r.label === next) {
        last.n++
        continue
      }
      if (last.n === 1 && last.label >= 0 && r.label === last.label + 1) {
        last.step = 1
        last.n++
        continue
      }
    }
    runs.push(r)
  }
  return runs
}

const STRUCTS = `struct knob {
	const char *path, *value;
	int line; /* > 0: named by the \`set\` on this line (missing: skip) */
	char old[256]; /* the setting to write back (knob_setting) */
	int saved;
	char raw[256]; /* what the file read before (a pool with surplus pages reads more than its setting) */
};
enum { STEP_OP, STEP_FORK, STEP_EXIT, STEP_CHECK };
struct step {
	int kind, line, slot, child;
	const char *op, *ins, *refused; /* refused: the errno the model predicts, or NULL */
};
struct region {
	const char *proc, *name;
	int slot;
	unsigned long addr, npages;
	int huge_order, run0, nruns;
};
struct run {
	unsigned long n;
	int8_t present, excl, order;
	int64_t mapcount;
	int32_t label, step; /* folio label of the first page (-1: none / zero page), +step per page */
};
struct check {
	int line, first, nregions, vmemmap;
	long vmemmap_delta;
};
`

/**
 * exportSelftestC - a kselftest-style C program that performs scenario @s with real system calls (the live
 * runner's workers: one process per scenario process, driven over pipes) and asserts, at every `check`, the
 * observation @model predicts (the simulated kernel's, or a scheme's): for every mapping of every live
 * process one TAP test comparing each page's presence, /proc/kpagecount, pagemap bit 56 (exclusive), folio
 * order (kpageflags compound walk; HugeTLB: the mapping's page size) and folio identity (canonical labels);
 * one test per `check vmemmap` (struct pages changed); one final test that the kernel refused exactly the
 * operations the model predicts, with the same errno.
 * The program sets the scenario's knobs (and the contract's defaults) after saving their old values and
 * restores them at exit and on SIGINT/SIGTERM/SIGHUP; keeps khugepaged asleep (and reruns a run it
 * disturbed); observes each check twice; reruns (up to 6 times) when a present page shows blank kpageflags.
 * Exit status 0 all pass, 1 a test failed, 4 skipped (not root, no kpagecount, a `set` knob this kernel
 * lacks, a HugeTLB pool it cannot fill). Builds with `cc -Wall -Werror`, libc only.
 * Precondition: @model is the observation document of @s (one check per `check`, in order).
 * Throws SelftestError when @s needs more processes than the runner has slots (47 forks).
 */
export function exportSelftestC(s: ParsedScenario, model: ObservationDocument): string {
  const scope = new ScenarioScope()
  const slots = new Map<string, number>([['p0', 0]])
  let nextSlot = 1
  const refused = new Map(model.refused.map((r) => [r.line, r.errno]))
  const steps: string[] = []
  const regions: string[] = []
  const runs: string[] = []
  const checks: string[] = []
  let usesHugetlb = false
  const addr = (m: MappingInfo, off = 0): number => SELFTEST_SLOT_BASE + m.slot * SELFTEST_SLOT_STRIDE + m.skew + off
  const op = (st: { line: number; op: string; proc: string }, ins: string, kind = 'STEP_OP', child = 0): void => {
    const r = refused.get(st.line)
    steps.push(`\t{${kind}, ${st.line}, ${slots.get(st.proc)!}, ${child}, ${cString(st.op)}, ${cString(ins)}, ${r === undefined ? 'NULL' : cString(r)}},`)
  }
  let ck = 0
  let tests = 1
  for (const st of s.statements) {
    switch (st.op) {
      case 'scenario':
        break
      case 'pin':
      case 'unpin':
        throw new SelftestError(s.file, st.line, `export-c does not support ${st.op} yet (the live runner's vmsplice() pins, docs/scenario-language.md §8.5)`)
      case 'set':
        // model-only extension: a program for this kernel could only fail (advice 26 is EINVAL)
        if (st.knob === 'hgm' && st.value && s.knobs.hgm) throw new SelftestError(s.file, st.line, HGM_MODEL_ONLY)
        break
      case 'check': {
        const obs = model.checks[ck]
        if (obs === undefined || obs.line !== st.line) throw new SelftestError(s.file, st.line, 'the model observation has no check for this line')
        const first = regions.length
        for (const proc of scope.liveProcs()) {
          const table = scope.mappings(proc)
          for (const name of [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
            const m = table.get(name)!
            const pages = obs.procs[proc]?.[name]
            if (pages === undefined || pages.length !== m.size / PAGE_SIZE) throw new SelftestError(s.file, st.line, `the model observation has no pages for ${proc} ${name}`)
            const pr = pageRuns(pages)
            const huge = m.kind === 'hugetlb2M' ? HPAGE_PMD_ORDER : m.kind === 'hugetlb1G' ? HPAGE_PUD_ORDER : 0
            regions.push(`\t{${cString(proc)}, ${cString(name)}, ${slots.get(proc)!}, ${addr(m)}UL, ${pages.length}UL, ${huge}, ${runs.length}, ${pr.length}},`)
            for (const r of pr) runs.push(`\t{${r.n}UL, ${r.present}, ${r.excl}, ${r.order}, ${r.mapcount}, ${r.label}, ${r.step}},`)
            tests++
          }
        }
        if (st.vmemmap) tests++
        checks.push(`\t{${st.line}, ${first}, ${regions.length - first}, ${st.vmemmap ? 1 : 0}, ${obs.vmemmapPagesDelta ?? 0}},`)
        steps.push(`\t{STEP_CHECK, ${st.line}, 0, 0, "check", "", NULL},`)
        ck++
        break
      }
      case 'mmap': {
        const m = scope.apply(st)!
        if (m.kind === 'hugetlb2M' || m.kind === 'hugetlb1G') usesHugetlb = true
        op(st, `mmap ${addr(m)} ${m.size} ${RUNNER_KIND[m.kind]} ${m.sharing} ${m.file ?? -1}`)
        break
      }
      case 'mremap': {
        const src = scope.mapping(st.proc, st.range.mapping)
        const m = scope.apply(st)!
        op(st, `mremap ${addr(src, st.range.offset)} ${st.range.length} ${addr(m)}`)
        break
      }
      case 'fork': {
        if (nextSlot >= MAX_SLOTS) throw new SelftestError(s.file, st.line, `the live runner supports at most ${MAX_SLOTS - 1} forks per scenario`)
        const child = nextSlot++
        op(st, 'fork', 'STEP_FORK', child)
        scope.apply(st)
        slots.set(st.child, child)
        break
      }
      case 'exit':
        op(st, 'exit', 'STEP_EXIT')
        scope.apply(st)
        slots.delete(st.proc)
        break
      case 'munmap':
      case 'read':
      case 'write': {
        const m = scope.mapping(st.proc, st.range.mapping)
        op(st, `${st.op} ${addr(m, st.range.offset)} ${st.range.length}`)
        break
      }
      case 'mprotect': {
        const m = scope.mapping(st.proc, st.range.mapping)
        op(st, `mprotect ${addr(m, st.range.offset)} ${st.range.length} ${st.prot}`)
        break
      }
      case 'madvise': {
        const m = scope.mapping(st.proc, st.range.mapping)
        op(st, `madvise ${addr(m, st.range.offset)} ${st.range.length} ${SELFTEST_ADVICE[st.advice]}`)
        break
      }
      case 'punch': {
        const m = scope.mapping(st.proc, st.range.mapping)
        op(st, `punch ${m.file} ${m.fileOffset + st.range.offset} ${st.range.length}`)
        break
      }
      case 'continue': {
        const m = scope.mapping(st.proc, st.range.mapping)
        const huge = m.kind === 'hugetlb2M' || m.kind === 'hugetlb1G' ? 1 : 0
        op(st, `continue ${addr(m, st.range.offset)} ${st.range.length} ${m.file ?? -1} ${m.fileOffset + st.range.offset} ${huge}`)
        break
      }
      default:
        assertNever(st, 'scenario statement')
    }
  }
  const knobs = knobTable(s)
  const list = (xs: string[], empty: string): string => (xs.length ? xs.join('\n') : `\t${empty}`)
  return [
    `// SPDX-License-Identifier: GPL-2.0`,
    `/*`,
    ` * mmsim export-c: scenario ${s.name.replace(/\*\//g, '* /')} as a kselftest (generated; edit the scenario, not this file).`,
    ` * Expected values: ${model.source} observation "${model.detail.replace(/\*\//g, '* /')}".`,
    ` * Build: cc -Wall -Werror -o test this.c    Run as root: ./test    (TAP on stdout)`,
    ` * Exit: 0 pass, 1 fail, 4 skip (not root, no /proc/kpagecount, a knob this kernel lacks).`,
    ` * Changes THP/HugeTLB/HVO knobs for the run and restores them at exit and on SIGINT/SIGTERM/SIGHUP.`,
    ` * The scenario:`,
    ...s.statements.map((st) => ` *   ${String(st.line).padStart(3)}  ${printStatement(st).replace(/\*\//g, '* /')}`),
    ` */`,
    `#define _GNU_SOURCE`,
    ...['ctype.h', 'errno.h', 'fcntl.h', 'linux/memfd.h', 'linux/userfaultfd.h', 'poll.h', 'sched.h', 'setjmp.h', 'signal.h', 'stdarg.h', 'stdint.h', 'stdio.h', 'stdlib.h', 'string.h',
      'sys/ioctl.h', 'sys/mman.h', 'sys/prctl.h', 'sys/stat.h', 'sys/syscall.h', 'sys/types.h', 'unistd.h'].map((h) => `#include <${h}>`),
    '',
    `static const char SCENARIO[] = ${cString(s.name)};`,
    `#define NSLOTS ${nextSlot}`,
    `#define MAX_FILES 256`,
    `#define USES_HUGETLB ${usesHugetlb ? 1 : 0}`,
    STRUCTS,
    `static struct knob knobs[] = {`,
    knobs.map((k) => `\t{${cString(k.path)}, ${cString(k.value)}, ${k.line}, "", 0},`).join('\n'),
    `};`,
    `static const struct step steps[] = {`,
    list(steps, '{STEP_OP, 0, 0, 0, "none", "", NULL},'),
    `};`,
    `static const struct region regions[] = {`,
    list(regions, '{"", "", 0, 0, 0, 0, 0, 0},'),
    `};`,
    `static const struct run runs[] = {`,
    list(runs, '{0, 0, 0, 0, 0, -1, 0},'),
    `};`,
    `static const struct check checks[] = {`,
    list(checks, '{0, 0, 0, 0, 0},'),
    `};`,
    `#define NKNOBS (sizeof knobs / sizeof knobs[0])`,
    `#define NSTEPS ${steps.length}`,
    `#define NCHECKS ${checks.length}`,
    `#define NTESTS ${tests}`,
    `#define NREFUSED ${model.refused.length}`,
    SELFTEST_PRELUDE,
  ].join('\n')
}
