/**
 * FrameDamage - a part of a trace that could not be read: a truncated tail or a corrupted frame.
 * Reported as data (the reader goes on when salvaging), never thrown.
 * @offset: byte offset where the damage starts
 * @frameNo: the frame's number (0-based), when known
 * @lostEvents: events lost with it, when known (from the frame header or the index)
 * @resumedAt: byte offset where reading resumed, or null when reading stopped here
 */
export interface FrameDamage {
  kind: 'truncated' | 'corrupt'
  offset: number
  frameNo: number | null
  lostEvents: number | null
  reason: string
  resumedAt: number | null
}

/** describeDamage - one line for @d, naming the file. */
export function describeDamage(file: string, d: FrameDamage): string {
  const frame = d.frameNo === null ? '' : ` (frame ${d.frameNo})`
  const lost = d.lostEvents === null ? 'an unknown number of events' : `${d.lostEvents} event${d.lostEvents === 1 ? '' : 's'}`
  const what = d.kind === 'truncated' ? 'truncated' : 'corrupted'
  const after = d.resumedAt === null ? '' : `; skipped, resumed at byte ${d.resumedAt}`
  return `${file}: ${what} at byte ${d.offset}${frame}: ${d.reason}; lost ${lost}${after}`
}
