// The bench's workloads: the fork-storm scenario (scaled for a quick run), the "cycles" scenario of
// docs/perf-profile.md §5 (same live state, longer trace), trace caching in .bench/ by scenario content hash,
// and prefixes of a trace.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { EventDecoder, traceItems as TraceItems, TraceWriter as TraceWriterT } from '@mmsim/trace'

const K = 1024
const M = K * K
const G = K * M
const UNIT: Record<string, number> = { '': 1, K, M, G }

function parseSize(s: string): number | null {
  const m = /^(\d+)([KMG]?)$/.exec(s)
  return m ? Number(m[1]) * UNIT[m[2]!]! : null
}

function printSize(n: number): string {
  if (n === 0) return '0'
  if (n % G === 0) return `${n / G}G`
  if (n % M === 0) return `${n / M}M`
  return `${n / K}K`
}

/** scaleSize - @n bytes times @scale, rounded to 2M when @n is a multiple of 2M (keeps THP alignment), else to 4K; at least one unit. */
function scaleSize(n: number, scale: number): number {
  const unit = n % (2 * M) === 0 ? 2 * M : 4 * K
  return Math.max(unit, Math.round((n * scale) / unit) * unit)
}

/**
 * scaleScenario - the scenario with every `mmap` size and every `NAME[OFF+LEN]` range multiplied by
 * @scale (sizes that are multiples of 2M stay multiples of 2M). Comments are kept. @scale 1: unchanged.
 */
export function scaleScenario(text: string, scale: number): string {
  if (scale === 1) return text
  return text
    .split('\n')
    .map((line) => {
      const code = line.replace(/#.*/, '')
      const tok = code.trim().split(/\s+/)
      if (tok[1] === 'mmap' && tok.length >= 4) {
        const n = parseSize(tok[3]!)
        if (n !== null) tok[3] = printSize(scaleSize(n, scale))
      }
      return tok
        .map((t) => t.replace(/\[(\w+)\+(\w+)\]/, (all, off: string, len: string) => {
          const o = parseSize(off)
          const l = parseSize(len)
          if (o === null || l === null) return all
          const so = o === 0 ? 0 : scaleSize(o, scale)
          return `[${printSize(so)}+${printSize(scaleSize(l, scale))}]`
        }))
        .join(' ')
    })
    .filter((l) => l.trim() !== '')
    .join('\n') + '\n'
}

/**
 * cyclesScenario - docs/perf-profile.md §5's "same live state, longer trace": thp=never, p0 maps and writes
 * @bytes of anon memory, then @cycles times `p0 fork p1; p1 write A; p1 exit` (at most p0 + one child
 * alive: the live state stays the same while the trace grows, ~1.57 M events per cycle per GiB).
 */
export function cyclesScenario(bytes: number, cycles: number): string {
  const out = [`scenario rss-cycles-${cycles}`, 'set thp=never', `p0 mmap A ${printSize(bytes)} anon private`, 'p0 write A']
  for (let i = 0; i < cycles; i++) out.push('p0 fork p1', 'p1 write A', 'p1 exit')
  return out.join('\n') + '\n'
}

/** contentHash - the first 12 hex digits of the SHA-256 of @text. */
export const contentHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12)

/**
 * cachedPaths - where the scenario text @text (named @name) and its recorded trace live in @dir: both
 * named by the content hash, so an edited scenario is recorded again and an unchanged one never.
 */
export function cachedPaths(dir: string, name: string, text: string): { scenario: string; trace: string } {
  mkdirSync(dir, { recursive: true })
  const base = join(dir, `${name}-${contentHash(text)}`)
  const scenario = `${base}.scenario`
  if (!existsSync(scenario) || readFileSync(scenario, 'utf8') !== text) writeFileSync(scenario, text)
  return { scenario, trace: `${base}.mmtrace` }
}

/**
 * writePrefix - write the first @events events of trace @file to @out with the trace package of the tree @src (through a temporary file: @out
 * appears complete or not at all). @returns the number of events written.
 */
export async function writePrefix(src: string, file: string, out: string, events: number): Promise<number> {
  // the trace package of the source tree being benched (its writer matches its reader)
  const { traceItems, TraceWriter } = (await import(pathToFileURL(join(src, 'packages/trace/src/index.ts')).href)) as { traceItems: typeof TraceItems; TraceWriter: typeof TraceWriterT }
  let w: TraceWriterT | null = null
  let n = 0
  let decoder: EventDecoder | null = null
  const tmp = `${out}.tmp`
  try {
    for await (const item of traceItems(file)) {
      if (item.kind === 'header') {
        decoder = item.decoder
        w = new TraceWriter(tmp, { ...item.header.source, name: `${item.header.source.name ?? 'trace'}-prefix-${events}` })
      } else if (item.kind === 'frame') {
        decoder!.forEach(item.frame, (e) => {
          if (n >= events) return true
          w!.write(e)
          n++
        })
        if (n >= events) break
      } else if (item.kind === 'damage') throw new Error(`${file}: damaged frame`)
    }
    w?.close()
    w = null
    renameSync(tmp, out)
    return n
  } finally {
    if (w !== null) {
      try {
        w.close()
      } catch {
        /* already failing */
      }
      rmSync(tmp, { force: true })
    }
  }
}

/**
 * writtenBytes - an upper bound of the memory a scenario makes the kernel allocate: the bytes of every
 * `write`/`read` statement added up (each may COW a fresh copy). Used to refuse a live-kernel run that
 * would not fit in MemAvailable.
 */
export function writtenBytes(text: string): number {
  const sizes = new Map<string, number>()
  let total = 0
  for (const line of text.split('\n')) {
    const tok = line.replace(/#.*/, '').trim().split(/\s+/)
    if (tok[1] === 'mmap' && tok.length >= 4) sizes.set(tok[2]!, parseSize(tok[3]!) ?? 0)
    if ((tok[1] === 'write' || tok[1] === 'read') && tok[2] !== undefined) {
      const m = /^(\w+)\[(\w+)\+(\w+)\]$/.exec(tok[2])
      total += m ? parseSize(m[3]!) ?? 0 : sizes.get(tok[2]) ?? 0
    }
  }
  return total
}

/**
 * extendCycles - a longer trace of the same live state from a recorded cycles trace @file (used when
 * `record` cannot produce the long one in time): every event of @file, then its cycles (from the first
 * `process/forked` on) again and again until @cycles cycles in all, each repetition with fresh child pids
 * and fresh PFNs for the folios allocated in the cycles (as the simulator, which never reuses a PFN, would
 * have recorded them). Written with the trace package of the tree @src. @returns the number of events.
 */
export async function extendCycles(src: string, file: string, out: string, cycles: number): Promise<number> {
  const { traceItems, TraceWriter } = (await import(pathToFileURL(join(src, 'packages/trace/src/index.ts')).href)) as { traceItems: typeof TraceItems; TraceWriter: typeof TraceWriterT }
  type Ev = Record<string, unknown> & { type: string }
  const walk = async (fn: (e: Ev, i: number) => void): Promise<void> => {
    let decoder: EventDecoder | null = null
    let i = 0
    for await (const item of traceItems(file)) {
      if (item.kind === 'header') decoder = item.decoder
      else if (item.kind === 'frame') decoder!.forEach(item.frame, (e) => void fn(e as unknown as Ev, i++))
      else if (item.kind === 'damage') throw new Error(`${file}: damaged frame`)
    }
  }
  // pass 1: where the cycles start, the first PFN they allocate, the PFN span, pids, cycles per repetition
  let first = -1
  let pfn0 = Infinity
  let maxPfn = 0
  let maxPid = 0
  let per = 0
  let source: Record<string, unknown> = {}
  for await (const item of traceItems(file)) if (item.kind === 'header') {
    source = item.header.source as Record<string, unknown>
    break
  }
  await walk((e, i) => {
    if (e.type === 'process/forked') {
      per++
      if (first < 0) first = i
    }
    if (first >= 0 && e.type === 'folio/allocated') pfn0 = Math.min(pfn0, e.folio as number)
    for (const k of ['folio', 'page', 'newFolio']) if (typeof e[k] === 'number') maxPfn = Math.max(maxPfn, e[k] as number)
    for (const k of ['pid', 'child']) if (typeof e[k] === 'number') maxPid = Math.max(maxPid, e[k] as number)
  })
  if (first < 0 || per === 0 || !Number.isFinite(pfn0)) throw new Error(`${file}: not a cycles trace (no fork, or no allocation after it)`)
  const span = Math.ceil((maxPfn + 1 - pfn0) / 512) * 512
  const tmp = `${out}.tmp`
  const w = new TraceWriter(tmp, { ...(source as { kind: string }), name: `${String(source.name ?? 'cycles')}-extended-${cycles}` })
  let n = 0
  let done = 0
  try {
    await walk((e) => {
      if (e.type === 'process/forked') done++
      w.write(e as never)
      n++
    })
    for (let r = 1; done < cycles; r++) {
      let stop = false
      await walk((e, i) => {
        if (stop || i < first) return
        if (e.type === 'process/forked' && ++done > cycles) {
          stop = true
          return
        }
        const c: Ev = { ...e }
        for (const k of ['pid', 'child']) if (typeof c[k] === 'number' && (c[k] as number) >= 1) c[k] = (c[k] as number) + r * maxPid
        for (const k of ['folio', 'page', 'newFolio']) if (typeof c[k] === 'number' && (c[k] as number) >= pfn0) c[k] = (c[k] as number) + r * span
        w.write(c as never)
        n++
      })
    }
    w.close()
    renameSync(tmp, out)
    return n
  } catch (e) {
    try {
      w.close()
    } catch {
      /* already failing */
    }
    rmSync(tmp, { force: true })
    throw e
  }
}
