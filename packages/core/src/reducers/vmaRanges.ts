import type { Vma } from '../state/mmState.ts'

/** cutVmas - @vmas with pages [start, end) removed; VMAs straddling an edge are split (file offsets kept). */
export function cutVmas(vmas: readonly Vma[], start: number, end: number): Vma[] {
  const out: Vma[] = []
  for (const v of vmas) {
    if (v.end <= start || v.start >= end) {
      out.push(v)
      continue
    }
    if (v.start < start) out.push({ ...v, end: start })
    if (v.end > end) out.push({ ...v, start: end, pgoff: v.pgoff + (end - v.start) })
  }
  return out
}

/** coveredByVmas - is every page of [start, end) inside some VMA of @vmas (sorted)? */
export function coveredByVmas(vmas: readonly Vma[], start: number, end: number): boolean {
  let at = start
  for (const v of vmas) {
    if (v.end <= at) continue
    if (v.start > at) return false
    at = v.end
    if (at >= end) return true
  }
  return at >= end
}

/**
 * patchVmas - @vmas with @patch applied to the pages [start, end); VMAs straddling an edge are split.
 * Adjacent VMAs are not merged (the kernel's vma_merge is not modelled: it changes no mapcount).
 */
export function patchVmas(vmas: readonly Vma[], start: number, end: number, patch: Partial<Vma>): Vma[] {
  const out: Vma[] = []
  for (const v of vmas) {
    if (v.end <= start || v.start >= end) {
      out.push(v)
      continue
    }
    if (v.start < start) out.push({ ...v, end: start })
    const s = Math.max(v.start, start)
    const e = Math.min(v.end, end)
    out.push({ ...v, ...patch, start: s, end: e, pgoff: v.pgoff + (s - v.start) })
    if (v.end > end) out.push({ ...v, start: end, pgoff: v.pgoff + (end - v.start) })
  }
  return out
}

/** insertVma - @vmas with @v inserted in start order (the caller checked there is no overlap). */
export function insertVma(vmas: readonly Vma[], v: Vma): Vma[] {
  const out = vmas.slice()
  let i = 0
  while (i < out.length && out[i]!.start < v.start) i++
  out.splice(i, 0, v)
  return out
}
