import { emptySmaps, SMAPS_FIELDS, type SmapsCounts, type SmapsField } from './observation.ts'

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) /
const LINE = /^([A-Za-z_]+):\s+(\d+) kB$/

/**
 * smapsOfRange - the smaps figures of the VMAs of @text (a /proc/PID/smaps) that lie in [@start, @end):
 * each VMA's printed values summed (a mapping split by mprotect/munmap is several VMAs). A VMA header
 * that does not parse is an error naming the line.
 */
export function smapsOfRange(text: string, start: number, end: number): SmapsCounts {
  const out = emptySmaps()
  let inside = false
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    const h = HEADER.exec(l)
    if (h) {
      const s = parseInt(h[1]!, 16)
      inside = s >= start && s < end
      continue
    }
    if (!inside) continue
    const m = LINE.exec(l)
    if (m && (SMAPS_FIELDS as readonly string[]).includes(m[1]!)) out[m[1] as SmapsField] += Number(m[2])
  }
  return out
}
