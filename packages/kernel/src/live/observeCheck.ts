import { readFileSync } from 'node:fs'
import { alignedHead, HPAGE_PMD_ORDER, HPAGE_PUD_ORDER } from '@mmsim/core'
import type { ScenarioScope } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'
import type { CheckObservation, PageObservation } from './observation.ts'
import type { RawPage, RunnerClient } from './runnerClient.ts'

const GiB = 1024 ** 3
/** Start of slot 0 (32 TiB); slot k starts 64 GiB later per k, the mapping at slot start + skew. */
export const SLOT_BASE = 32 * 1024 * GiB
export const SLOT_STRIDE = 64 * GiB

/** slotAddress - the fixed address of a mapping (1 GiB-aligned slot plus skew). */
export function slotAddress(slot: number, skew: number): number {
  return SLOT_BASE + slot * SLOT_STRIDE + skew
}

const KPF_ANON = 12n
const KPF_HUGE = 17n
const KPF_THP = 22n
const KPF_ZERO_PAGE = 24n
const bit = (v: bigint, b: bigint): boolean => ((v >> b) & 1n) === 1n

/** InvalidObservation - a present page read back blank flags (struct page not initialized, see docs/observation-format.md §3). */
export class InvalidObservation extends Error {}

/** readVmemmapPages - `nr_memmap_pages + nr_memmap_boot_pages` from /proc/vmstat. */
export function readVmemmapPages(): number {
  let sum = 0
  for (const l of readFileSync('/proc/vmstat', 'utf8').split('\n')) {
    const [k, v] = l.split(' ')
    if (k === 'nr_memmap_pages' || k === 'nr_memmap_boot_pages') sum += Number(v)
  }
  return sum
}

/**
 * observeCheck - read every page of every mapping of every live process once and build the check's
 * observation with canonical folio labels (first appearance walking processes, mappings, offsets).
 * @slots: runner slot of each live process
 * Throws InvalidObservation when a present page has all-zero kpageflags.
 */
export async function observeCheck(runner: RunnerClient, scope: ScenarioScope, slots: Map<string, number>, line: number): Promise<CheckObservation> {
  const labels = new Map<number, number>()
  const procs: CheckObservation['procs'] = {}
  for (const proc of scope.liveProcs()) {
    const slot = slots.get(proc)!
    const table = scope.mappings(proc)
    const names = [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const out: Record<string, PageObservation[]> = {}
    for (const name of names) {
      const m = table.get(name)!
      const raw = await runner.pages(slot, slotAddress(m.slot, m.skew), m.size / PAGE_SIZE)
      out[name] = raw.map((r, i) => page(r, i * PAGE_SIZE, m.kind, labels))
    }
    procs[proc] = out
  }
  return { line, procs }
}

function page(r: RawPage, off: number, kind: string, labels: Map<number, number>): PageObservation {
  if (!r.present) return { off, present: false }
  if (r.flags === 0n) throw new InvalidObservation(`blank kpageflags for present pfn 0x${r.pfn.toString(16)}`)
  const hugetlb = bit(r.flags, KPF_HUGE)
  const zero = bit(r.flags, KPF_ZERO_PAGE)
  let order = Math.round(Math.log2(r.nrPages))
  let head = r.head
  if (hugetlb && (kind === 'hugetlb2M' || kind === 'hugetlb1G')) {
    // HVO "fake heads" make the flag walk unreliable: take the geometry from the mapping
    order = kind === 'hugetlb2M' ? HPAGE_PMD_ORDER : HPAGE_PUD_ORDER
    head = alignedHead(r.pfn, order)
  }
  let folio: number | null = null
  if (!zero) {
    folio = labels.get(head) ?? labels.size
    labels.set(head, folio)
  }
  return {
    off,
    present: true,
    folio,
    order,
    mapcount: r.count,
    exclusive: bit(r.pagemap, 56n),
    anon: bit(r.flags, KPF_ANON),
    thp: bit(r.flags, KPF_THP),
    hugetlb,
    zero,
  }
}
