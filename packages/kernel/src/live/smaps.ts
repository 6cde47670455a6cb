import { emptySmaps, SMAPS_FIELDS, type SmapsCounts, type SmapsField } from './observation.ts'

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) /
const LINE = /^([A-Za-z_]+):\s+(\d+) kB$/
/** any other field line of __show_smap()/show_smap_vma_flags(): `Name:` and a value (THPeligible, VmFlags, ProtectionKey) */
const FIELD = /^[A-Za-z_]+:/

/** SmapsFormatError - /proc/PID/smaps held a line that is neither a VMA header nor a field line (names the line) */
export class SmapsFormatError extends Error {
  override readonly name = 'SmapsFormatError'
}

/**
 * smapsOfRange - the smaps figures of the VMAs of @text (a /proc/PID/smaps) that lie in [@start, @end):
 * each VMA's printed values summed (a mapping split by mprotect/munmap is several VMAs). A non-empty line
 * that is neither a VMA header (`start-end perms …`) nor a `Name:` field line, or a counted field whose
 * value is not `N kB`, throws {@link SmapsFormatError} naming the line: a misread smaps must not pass for zeros.
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
    if (l === '') continue
    if (!FIELD.test(l)) throw new SmapsFormatError(`smaps line ${i + 1}: expected a VMA header or a 'Name: value' field, got ${JSON.stringify(l.slice(0, 80))}`)
    if (!inside) continue
    const m = LINE.exec(l)
    if (m && (SMAPS_FIELDS as readonly string[]).includes(m[1]!)) out[m[1] as SmapsField] += Number(m[2])
    else if (m === null && (SMAPS_FIELDS as readonly string[]).includes(l.slice(0, l.indexOf(':')))) {
      throw new SmapsFormatError(`smaps line ${i + 1}: expected '${l.slice(0, l.indexOf(':'))}: N kB', got ${JSON.stringify(l.slice(0, 80))}`)
    }
  }
  return out
}
