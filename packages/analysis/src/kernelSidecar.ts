import { readFileSync, writeFileSync } from 'node:fs'
import { PTRS_PER_PTE, truthFolioAt, type FolioRec, type Level, type Pfn, type TruthState } from '@mmsim/core'
import { ScenarioScope, type ObservationDocument, type ParsedScenario } from '@mmsim/kernel'
import type { AnyStrategy } from '@mmsim/strategies'
import type { Answer, QueryName } from './answerSides.ts'

/** SidecarPage - one present 4 KiB page a kernel `check` read: where it is, and what kpagecount and pagemap bit 56 said. */
interface SidecarPage {
  proc: string
  pid: number
  mapping: string
  off: number
  vpn: number
  mapcount: number
  exclusive: boolean
}

/** SidecarCheck - the kernel's observation at the `check` on scenario line @line. */
export interface SidecarCheck {
  line: number
  pages: SidecarPage[]
}

/**
 * KernelSidecar - kernel observations embedded beside a trace by `mmsim record --kernel`: the file
 * `TRACE.kernel.json` (see {@link sidecarPath}). The trace's `check/marked` events carry the line of each
 * check; a page's vpn is where the simulator placed the mapping (the same slot rule as the live runner).
 */
export interface KernelSidecar {
  format: 'mmsim-kernel-sidecar/1'
  scenario: string
  /** the kernel that was observed (the observation document's `detail`) */
  detail: string
  checks: SidecarCheck[]
}

/** SLOT_PAGES - pages per mapping slot (64 GiB; kernel/sim placement.ts: slot n starts at (n + 1) * 64 GiB). */
const SLOT_PAGES = (64 * 1024 ** 3) / 4096

/** sidecarPath - where the kernel observations of trace @trace live: `TRACE.kernel.json` (a `.mmtrace` suffix is dropped). */
export function sidecarPath(trace: string): string {
  return trace.replace(/\.mmtrace$/, '') + '.kernel.json'
}

/**
 * buildKernelSidecar - turn the kernel's observation document @doc of scenario @s into a sidecar: replays
 * the statements' names (ScenarioScope) to place every mapping live at each check, keeping present pages.
 */
export function buildKernelSidecar(s: ParsedScenario, doc: ObservationDocument): KernelSidecar {
  const scope = new ScenarioScope()
  const starts = new Map<number, Map<string, number>>() // line -> "proc mapping" -> vpn
  for (const st of s.statements) {
    if (st.op === 'check') {
      const m = new Map<string, number>()
      for (const proc of scope.liveProcs()) {
        for (const [name, info] of scope.mappings(proc)) m.set(`${proc} ${name}`, (info.slot + 1) * SLOT_PAGES + info.skew / 4096)
      }
      starts.set(st.line, m)
    } else scope.apply(st)
  }
  const checks: SidecarCheck[] = []
  for (const c of doc.checks) {
    const m = starts.get(c.line)
    if (m === undefined) continue
    const pages: SidecarPage[] = []
    for (const [proc, maps] of Object.entries(c.procs)) {
      for (const [mapping, list] of Object.entries(maps)) {
        const start = m.get(`${proc} ${mapping}`)
        if (start === undefined) continue
        for (const p of list) {
          if (!p.present) continue
          pages.push({ proc, pid: Number(proc.slice(1)), mapping, off: p.off, vpn: start + p.off / 4096, mapcount: p.mapcount, exclusive: p.exclusive })
        }
      }
    }
    checks.push({ line: c.line, pages })
  }
  return { format: 'mmsim-kernel-sidecar/1', scenario: s.name, detail: doc.detail, checks }
}

/** writeKernelSidecar - write @sc beside trace @trace ({@link sidecarPath}). */
export function writeKernelSidecar(trace: string, sc: KernelSidecar): string {
  const p = sidecarPath(trace)
  writeFileSync(p, JSON.stringify(sc) + '\n')
  return p
}

/** readKernelSidecar - the sidecar of trace @trace, or null when there is none. Throws on a malformed one. */
export function readKernelSidecar(trace: string): KernelSidecar | null {
  let text: string
  try {
    text = readFileSync(sidecarPath(trace), 'utf8')
  } catch {
    return null
  }
  const sc = JSON.parse(text) as KernelSidecar
  if (sc.format !== 'mmsim-kernel-sidecar/1' || !Array.isArray(sc.checks)) throw new Error(`${sidecarPath(trace)}: not an mmsim kernel sidecar`)
  return sc
}

function folioContaining(truth: TruthState, pfn: Pfn): FolioRec | undefined {
  const head = truthFolioAt(truth, pfn)
  return head < 0 ? undefined : truth.folio(head)
}

function levelAt(truth: TruthState, pid: number, vpn: number): Level {
  const pt = truth.procTables(pid)
  if (pt === undefined) return 'pte'
  if (pt.pudLeaf(vpn) !== undefined) return 'pud'
  return pt.pmdLeaf(Math.floor(vpn / PTRS_PER_PTE)) !== undefined ? 'pmd' : 'pte'
}

/**
 * kernelCheckDivergences - compare scheme @st (state @s, fed up to the `check/marked` event of @check) with
 * the kernel's answers at that check: kpagecount and pagemap bit 56 of every page the kernel saw present
 * and the ground truth maps too (pages the model maps differently are the simulator's business, `mmsim verify`).
 */
export function kernelCheckDivergences(
  st: AnyStrategy, s: unknown, truth: TruthState, check: SidecarCheck, queries: readonly QueryName[],
): Array<{ query: QueryName; folio: Pfn; page: Pfn; a: Answer; b: Answer; where: string }> {
  const out: Array<{ query: QueryName; folio: Pfn; page: Pfn; a: Answer; b: Answer; where: string }> = []
  const wantCount = queries.includes('kpagecount')
  const wantExcl = queries.includes('pagemapExclusive')
  for (const p of check.pages) {
    const pfn = truth.procTables(p.pid)?.entryAt(p.vpn) ?? -1
    if (pfn < 0) continue
    const f = folioContaining(truth, pfn)
    if (f === undefined) continue
    const where = `${p.proc} ${p.mapping} +0x${p.off.toString(16)}`
    if (wantCount) {
      const a = st.kpagecount(s, pfn)
      if (a !== p.mapcount) out.push({ query: 'kpagecount', folio: f.pfn, page: pfn, a, b: p.mapcount, where })
    }
    if (wantExcl) {
      const a = st.pagemapExclusive(s, pfn, levelAt(truth, p.pid, p.vpn))
      if (a !== p.exclusive) out.push({ query: 'pagemapExclusive', folio: f.pfn, page: pfn, a, b: p.exclusive, where })
    }
  }
  return out
}
