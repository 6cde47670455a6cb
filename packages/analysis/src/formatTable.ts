/**
 * The one table and number format of mmsim's text output (`replay`, its cost tables, `info`, `diff`,
 * `inspect`): counts with thousands separators, one ratio format, columns aligned by a single helper,
 * lines kept within {@link TEXT_WIDTH} where the content allows it. Answers quoted in prose ("linux-6.15 513,
 * truth 512") stay unseparated: there a comma already separates the sides.
 */

/** TEXT_WIDTH - the width text reports keep within (long event lines and descriptions are wrapped to it). */
export const TEXT_WIDTH = 120

// one formatter for every count (Number.prototype.toLocaleString builds one per call: the same output)
const EN_US = new Intl.NumberFormat('en-US')

/** num - a count as printed everywhere: `1,234,567` (en-US grouping, the same on every machine). */
export function num(n: number): string {
  return EN_US.format(n)
}

/**
 * ratio - @a per @b as printed everywhere: two decimals below 100 (`80.08`), a rounded count from 100 on
 * (`1,026`), `-` when @b is 0.
 */
export function ratio(a: number, b: number): string {
  if (b === 0) return '-'
  const r = a / b
  return r >= 100 ? num(Math.round(r)) : r.toFixed(2)
}

/**
 * Column - one column of a {@link table}: its heading, alignment (`right` for numbers; default `left`), its
 * minimum width, and the spaces before it (@gap, default 2; the first column has the table's indent).
 */
export interface Column {
  title: string
  align?: 'left' | 'right'
  min?: number
  gap?: number
}

/** Cell - a table cell: text as is, a number through {@link num}. */
export type Cell = string | number

/**
 * table - @rows under @columns: each column as wide as its widest cell (and heading, and @min), cells
 * padded to their alignment, every line starting with @opts.indent and trimmed at the end. @opts.head
 * false leaves the heading line out (the caller prints its own).
 * Precondition: every row has at most columns.length cells (missing cells are empty).
 * @returns one string per line, heading first
 */
export function table(columns: readonly Column[], rows: readonly (readonly Cell[])[], opts: { indent?: string; head?: boolean } = {}): string[] {
  const indent = opts.indent ?? ''
  const head = opts.head ?? true
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])))
  const width = columns.map((c, i) => Math.max(c.min ?? 0, head ? c.title.length : 0, ...text.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((s, i) => {
        const c = columns[i]!
        const cell = c.align === 'right' ? s.padStart(width[i]!) : s.padEnd(width[i]!)
        return i === 0 ? cell : ' '.repeat(c.gap ?? 2) + cell
      })
      .join('')
      .trimEnd()
  return [...(head ? [line(columns.map((c) => c.title))] : []), ...text.map(line)]
}

function cellText(c: Cell | undefined): string {
  return c === undefined ? '' : typeof c === 'number' ? num(c) : c
}

/**
 * wrap - @line broken at spaces so that no piece is longer than @width (a single word longer than that
 * stays whole); continuation lines start with @hang (default: the line's own indentation plus four spaces).
 * @returns the pieces, the first one unchanged when @line fits
 */
export function wrap(line: string, width = TEXT_WIDTH, hang?: string): string[] {
  if (line.length <= width) return [line]
  const lead = /^ */.exec(line)![0]
  const next = hang ?? lead + '    '
  const out: string[] = []
  let cur = lead
  let fresh = true
  for (const word of line.slice(lead.length).split(' ')) {
    if (!fresh && cur.length + 1 + word.length > width) {
      out.push(cur)
      cur = next + word
    } else cur = fresh ? cur + word : cur + ' ' + word
    fresh = false
  }
  out.push(cur)
  return out
}
