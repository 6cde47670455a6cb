import { folioAt, forEachEntry, PAGES_PER_LEVEL, type Level, type MmState } from '@mmsim/core'
import type { AnyStrategy } from './strategy.ts'

/**
 * PageView - what a process reading /proc/kpagecount and /proc/PID/pagemap would see for one present 4 KiB
 * page under a scheme: @mapcount from kpagecount, @exclusive = pagemap bit 56 (PM_MMAP_EXCLUSIVE).
 */
export interface PageView {
  mapcount: number
  exclusive: boolean
}

/**
 * observePage - the {@link PageView} of page @pfn, mapped through an entry of level @level (for a 4 KiB
 * page inside a PMD leaf: 'pmd'; HugeTLB entries: their level), under strategy @st in state @s. This is the
 * query `mmsim observe --strategy` puts in place of the ground-truth shortcut of the simulated kernel.
 */
export function observePage(st: AnyStrategy, s: unknown, pfn: number, level: Level): PageView {
  return { mapcount: st.kpagecount(s, pfn), exclusive: st.pagemapExclusive(s, pfn, level) }
}

/** ObservedPage - one present 4 KiB page of one process and what a scheme shows for it. */
export interface ObservedPage extends PageView {
  pid: number
  vpn: number
  pfn: number
  level: Level
}

/**
 * observeAll - every present 4 KiB page of every process in @state (the post-event ground truth the
 * strategy state @s was fed up to), with the scheme's {@link PageView}.
 */
export function observeAll(st: AnyStrategy, s: unknown, state: MmState): ObservedPage[] {
  const out: ObservedPage[] = []
  forEachEntry(state, (pid, level, vpn, pfn) => {
    const n = level === 'pte' ? 1 : PAGES_PER_LEVEL[level]
    const f = level === 'pte' ? undefined : folioAt(state, pfn)
    const span = f === undefined ? n : Math.min(n, 2 ** f.order)
    for (let i = 0; i < span; i++) out.push({ pid, vpn: vpn + i, pfn: pfn + i, level, ...observePage(st, s, pfn + i, level) })
  })
  return out
}
