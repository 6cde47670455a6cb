/** Base page size: every size and offset of a scenario is a multiple of it. */
export const PAGE_SIZE = 4096

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['G', 1024 ** 3],
  ['M', 1024 ** 2],
  ['K', 1024],
]

/**
 * parseSize - read a size token: an integer with an optional `K`, `M` or `G` suffix (powers of 1024).
 * @text: the token, e.g. `4K`, `2M`, `12288`
 * @returns the size in bytes, or null when @text is not a size (no sign, no fraction, no other suffix).
 * The caller checks page alignment.
 */
export function parseSize(text: string): number | null {
  const m = /^(\d+)([KMG]?)$/.exec(text)
  if (!m) return null
  const unit = UNITS.find(([u]) => u === m[2])?.[1] ?? 1
  const n = Number(m[1]) * unit
  return Number.isSafeInteger(n) ? n : null
}

/**
 * formatSize - the canonical text of a size: the largest suffix that divides it exactly (`2M`, not
 * `2048K`), plain bytes when no suffix does, and `0` for zero.
 */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0'
  for (const [u, n] of UNITS) if (bytes % n === 0) return `${bytes / n}${u}`
  return String(bytes)
}

/** sizeKbName - the kernel's directory spelling of a page size, e.g. 2M -> `2048kB`. */
export function sizeKbName(bytes: number): string {
  return `${bytes / 1024}kB`
}
