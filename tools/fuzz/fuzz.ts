// The mmsim fuzzer: seeded, in process. Mutates real traces (raw byte damage, and structural damage with the
// checksums recomputed so that it reaches the decoder), JSONL traces and scenario texts, and reports:
// - crashes: any exception that is not one of the project's one-line user errors (a `userMessage`);
// - hangs: an input that took longer than the per-input budget;
// - silent schema violations: a decoded event that breaks its schema (validateEvent) yet replays with no
//   violation;
// - contamination: after each damaged input, a clean trace decoded in the same process must give its
//   known digest (no decoder state may leak between frames or files).
// See tools/fuzz/run.ts for the command line (`pnpm fuzz`).
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Packr, Unpackr } from '../../packages/trace/src/format/msgpack.ts'
import { TruthState, validateEvent, type MmEvent } from '@mmsim/core'
import { jsonlEvents, readTraceSync, TraceWriter, type EventDecoder } from '@mmsim/trace'
import { parseScenario, runScenario } from '@mmsim/kernel'
import { crc32 } from '../../packages/trace/src/format/crc32.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
const plainPack = new Packr({ useRecords: false })
const plainUnpack = new Unpackr({ useRecords: false })
const z = crc32 as unknown as (d: Uint8Array, v?: number) => number

/** Rng - xorshift128+-like 32-bit generator (seeded, reproducible). */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number) {
    this.a = seed | 0 || 1
    this.b = 0x9e3779b9
    this.c = 0x243f6a88
    this.d = 0xb7e15162
    for (let i = 0; i < 16; i++) this.u32()
  }
  u32(): number {
    const t = this.b << 9
    let r = this.a * 5
    r = ((r << 7) | (r >>> 25)) * 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = (this.d << 11) | (this.d >>> 21)
    return r >>> 0
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p
  }
}

// ---------------------------------------------------------------------------------------------- trace layout

interface Section {
  kind: 'frame' | 'index'
  at: number
  len: number
}

/** sections - the frames and index of a well-formed trace @b (as written by TraceWriter). */
function sections(b: Buffer): { headerEnd: number; parts: Section[] } {
  const headerEnd = 16 + b.readUInt32LE(8)
  const parts: Section[] = []
  let p = headerEnd
  while (p + 20 <= b.length - 16) {
    const magic = b.toString('latin1', p, p + 4)
    const len = b.readUInt32LE(p + 4)
    parts.push({ kind: magic === 'IDX1' ? 'index' : 'frame', at: p, len })
    p += 20 + len
    if (magic === 'IDX1') break
  }
  return { headerEnd, parts }
}

/** fixFrameCrc - recompute the CRC of the frame or index whose prefix starts at @at. */
function fixFrameCrc(b: Buffer, at: number): void {
  const len = b.readUInt32LE(at + 4)
  if (at + 20 + len > b.length) return
  b.writeUInt32LE(z(b.subarray(at + 20, at + 20 + len), z(b.subarray(at + 12, at + 20))), at + 8)
}

function fixHeaderCrc(b: Buffer): void {
  const len = b.readUInt32LE(8)
  if (16 + len > b.length) return
  b.writeUInt32LE(crc32(b.subarray(16, 16 + len)), 12)
}

/** rebuild - a trace from its parts: header payload, frame (prefix+payload) buffers; index and trailer recomputed. */
function rebuild(header: Buffer, frames: Buffer[], fixIndex: boolean, oldIndex?: Buffer): Buffer {
  const pre = Buffer.alloc(16)
  pre.write('MMTRACE1', 0, 'latin1')
  pre.writeUInt32LE(header.length, 8)
  pre.writeUInt32LE(crc32(header), 12)
  const out: Buffer[] = [pre, header]
  let pos = 16 + header.length
  const offsets: number[] = []
  const events: number[] = []
  for (const f of frames) {
    offsets.push(pos)
    events.push(f.length >= 16 ? f.readUInt32LE(12) : 0)
    out.push(f)
    pos += f.length
  }
  const indexAt = pos
  if (fixIndex || oldIndex === undefined) {
    const payload = plainPack.pack({ offsets, events, total: events.reduce((a, c) => a + c, 0) })
    const p = Buffer.alloc(20)
    p.write('IDX1', 0, 'latin1')
    p.writeUInt32LE(payload.length, 4)
    p.writeUInt32LE(frames.length, 12)
    p.writeUInt32LE(z(payload, z(p.subarray(12, 20))), 8)
    out.push(p, payload)
    pos += 20 + payload.length
  } else {
    out.push(oldIndex)
    pos += oldIndex.length
  }
  const t = Buffer.alloc(16)
  t.writeDoubleLE(indexAt, 0)
  t.write('MMTREND1', 8, 'latin1')
  out.push(t)
  return Buffer.concat(out)
}

// ---------------------------------------------------------------------------------------------- mutators

const NASTY_NUMBERS = [
  0, 1, -1, 2, 3, 6, 7, 255, 256, 65535, 65536, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53,
  2 ** 53 + 2, 1e300, -1e300, 0.5, 1.5, NaN, Infinity, -Infinity,
]
const NASTY_VALUES: unknown[] = [null, true, false, '', 'x', [], {}, [1, 2], { a: 1 }, ...NASTY_NUMBERS]

function nastyValue(r: Rng): unknown {
  return r.pick(NASTY_VALUES)
}

/** mutateValue - a structurally damaged copy of msgpack-decodable @v (recursively, a few edits). */
function mutateValue(r: Rng, v: unknown, depth = 0): unknown {
  if (depth > 4 || r.chance(0.15)) return nastyValue(r)
  if (Array.isArray(v)) {
    const a = v.slice()
    const op = r.int(5)
    if (a.length > 0 && op === 0) a.splice(r.int(a.length), 1)
    else if (op === 1) a.push(nastyValue(r))
    else if (op === 2) a.length = r.int(a.length + 1)
    else if (a.length > 0) {
      const i = r.int(a.length)
      a[i] = mutateValue(r, a[i], depth + 1)
    }
    return a
  }
  if (typeof v === 'object' && v !== null) {
    const o = { ...(v as Record<string, unknown>) }
    const keys = Object.keys(o)
    const op = r.int(4)
    if (keys.length > 0 && op === 0) delete o[r.pick(keys)]
    else if (op === 1) o[r.pick(['x', 'n', 'w', 's', 'type', 'fields', 'kind', 'name', '__proto__', 'constructor'])] = nastyValue(r)
    else if (keys.length > 0) {
      const k = r.pick(keys)
      o[k] = mutateValue(r, o[k], depth + 1)
    }
    return o
  }
  if (typeof v === 'number') return r.chance(0.5) ? nastyValue(r) : v + r.pick([-1, 1, 2 ** 31, 0.5])
  if (typeof v === 'string') return r.chance(0.5) ? nastyValue(r) : v + r.pick(['x', '\u0000', 'é'])
  return nastyValue(r)
}

function flipBytes(r: Rng, b: Buffer, lo: number, hi: number, n: number): void {
  if (hi <= lo) return
  for (let i = 0; i < n; i++) {
    const p = lo + r.int(hi - lo)
    if (r.chance(0.5)) b[p] = b[p]! ^ (1 << r.int(8))
    else b[p] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)])
  }
}

const FRAME_MAGIC = Buffer.from('FRM1', 'latin1')

const LENGTHS = [0, 1, 3, 4, 7, 8, 19, 20, 2 ** 16, 2 ** 24, 2 ** 26 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]

/** a record-extension definition of msgpackr (redefines structure @id): what a hostile frame can carry */
function hostileMeta(r: Rng): Buffer {
  const p = new Packr({ useRecords: true, structures: [] })
  const obj = r.chance(0.5) ? { n: 0, w: [1], s: [] } : { q: 1, w: 2, zz: [r.int(5)] }
  return p.pack(obj)
}

interface Seed {
  name: string
  bytes: Buffer
  headerEnd: number
  parts: Section[]
  /**
   * what the mutators derive from a base seed's bytes, computed once (an input damaged a second time gets
   * none): its decoded header (never changed: mutateValue copies what it edits) and its frames' bytes
   */
  derived?: { header: Record<string, unknown>; frames: Buffer[] }
}

/** header - @s's decoded header (a base seed's is decoded once). */
function header(s: Seed): Record<string, unknown> {
  return s.derived?.header ?? (plainUnpack.unpack(s.bytes.subarray(16, s.headerEnd)) as Record<string, unknown>)
}

/** frameBytes - the prefix and payload of each of @s's frames, in order (views into its bytes). */
function frameBytes(s: Seed): Buffer[] {
  return s.derived?.frames ?? s.parts.filter((p) => p.kind === 'frame').map((p) => s.bytes.subarray(p.at, p.at + 20 + p.len))
}

/**
 * TRACE_MUTATORS - each returns a damaged copy of @s (and whether checksums were repaired).
 */
const TRACE_MUTATORS: Record<string, (r: Rng, s: Seed) => Buffer> = {
  rawFlip: (r, s) => {
    const b = Buffer.from(s.bytes)
    flipBytes(r, b, 0, b.length, 1 + r.int(8))
    return b
  },
  rawTruncate: (r, s) => s.bytes.subarray(0, r.int(s.bytes.length)),
  rawSplice: (r, s) => {
    const at = r.int(s.bytes.length)
    const len = r.int(64)
    return r.chance(0.5)
      ? Buffer.concat([s.bytes.subarray(0, at), s.bytes.subarray(Math.min(s.bytes.length, at + len))])
      : Buffer.concat([s.bytes.subarray(0, at), s.bytes.subarray(r.int(s.bytes.length), r.int(s.bytes.length)), s.bytes.subarray(at)])
  },
  headerFields: (r, s) => {
    const o: Record<string, unknown> = { ...header(s) }
    const k = r.pick(['structures', 'enums', 'source', 'version', 'pageSize', 'frameEvents', 'format', 'structures', 'enums'])
    o[k] = r.chance(0.3) ? nastyValue(r) : mutateValue(r, o[k])
    return rebuild(plainPack.pack(o), frameBytes(s), true)
  },
  headerBytesFixed: (r, s) => {
    const b = Buffer.from(s.bytes)
    flipBytes(r, b, 16, s.headerEnd, 1 + r.int(4))
    fixHeaderCrc(b)
    return b
  },
  headerLength: (r, s) => {
    const b = Buffer.from(s.bytes)
    b.writeUInt32LE(r.pick(LENGTHS), 8)
    if (r.chance(0.5)) fixHeaderCrc(b)
    return b
  },
  frameBytesFixed: (r, s) => {
    const b = Buffer.from(s.bytes)
    const f = r.pick(s.parts)
    flipBytes(r, b, f.at + 20, f.at + 20 + f.len, 1 + r.int(6))
    fixFrameCrc(b, f.at)
    return b
  },
  framePrefixFixed: (r, s) => {
    const b = Buffer.from(s.bytes)
    const f = r.pick(s.parts)
    const field = r.pick([4, 12, 16])
    b.writeUInt32LE(field === 4 ? r.pick(LENGTHS) : r.chance(0.5) ? r.int(8) : r.u32(), f.at + field)
    if (r.chance(0.8)) fixFrameCrc(b, f.at)
    return b
  },
  frameMeta: (r, s) => {
    const frames = s.parts.filter((p) => p.kind === 'frame')
    if (frames.length === 0) return s.bytes
    const f = r.pick(frames)
    const payload = s.bytes.subarray(f.at + 20, f.at + 20 + f.len)
    const metaLen = payload.readUInt32LE(0)
    const recs = new Unpackr({ useRecords: true, structures: [['n', 'w', 's']] })
    let meta: unknown
    try {
      meta = recs.unpack(payload.subarray(4, 4 + metaLen))
    } catch {
      return s.bytes
    }
    let packed: Buffer
    if (r.chance(0.25)) packed = hostileMeta(r)
    else {
      const m = mutateValue(r, meta)
      packed = r.chance(0.5) ? new Packr({ useRecords: true, structures: [['n', 'w', 's']] }).pack(m) : plainPack.pack(m)
    }
    const head = Buffer.alloc(4)
    head.writeUInt32LE(packed.length, 0)
    const pad = Buffer.alloc((8 - ((4 + packed.length) & 7)) & 7)
    const cols = payload.subarray((4 + metaLen + 7) & ~7)
    const np = Buffer.concat([head, packed, pad, cols])
    const pre = Buffer.from(s.bytes.subarray(f.at, f.at + 20))
    pre.writeUInt32LE(np.length, 4)
    const fb = Buffer.concat([pre, np])
    fixFrameCrc(fb, 0)
    const all = s.parts.filter((p) => p.kind === 'frame').map((p) => (p === f ? fb : s.bytes.subarray(p.at, p.at + 20 + p.len)))
    return rebuild(Buffer.from(s.bytes.subarray(16, s.headerEnd)), all, r.chance(0.8))
  },
  frameColumnValue: (r, s) => {
    // overwrite a column element with a chosen value (float64 columns get NaN, -1, 2^53+2, 0.5, ...)
    const b = Buffer.from(s.bytes)
    const frames = s.parts.filter((p) => p.kind === 'frame')
    if (frames.length === 0) return b
    const f = r.pick(frames)
    const p0 = f.at + 20
    const metaLen = b.readUInt32LE(p0)
    const colStart = p0 + ((4 + metaLen + 7) & ~7)
    const end = p0 + f.len
    if (end - colStart < 8) return b
    const off = colStart + 8 * r.int((end - colStart) >>> 3)
    if (r.chance(0.3)) b.writeDoubleLE(r.pick(NASTY_NUMBERS), off)
    else b[off + r.int(8)] = r.pick([3, 4, 5, 6, 7, 8, 2, 255, 0x80])
    fixFrameCrc(b, f.at)
    return b
  },
  frameOrder: (r, s) => {
    const idx = s.parts.find((p) => p.kind === 'index')
    const fs = frameBytes(s).slice()
    const op = r.int(4)
    if (fs.length >= 2 && op === 0) {
      const i = r.int(fs.length)
      const j = r.int(fs.length)
      ;[fs[i], fs[j]] = [fs[j]!, fs[i]!]
    } else if (fs.length >= 1 && op === 1) fs.splice(r.int(fs.length), 0, fs[r.int(fs.length)]!)
    else if (fs.length >= 1 && op === 2) fs.splice(r.int(fs.length), 1)
    else if (fs.length >= 1) fs.push(fs[r.int(fs.length)]!)
    const oldIndex = idx === undefined ? undefined : s.bytes.subarray(idx.at, idx.at + 20 + idx.len)
    return rebuild(Buffer.from(s.bytes.subarray(16, s.headerEnd)), fs, r.chance(0.5), oldIndex)
  },
  indexFields: (r, s) => {
    const idx = s.parts.find((p) => p.kind === 'index')
    if (idx === undefined) return s.bytes
    const o = plainUnpack.unpack(s.bytes.subarray(idx.at + 20, idx.at + 20 + idx.len)) as Record<string, unknown>
    const k = r.pick(['offsets', 'events', 'total', 'offsets', 'events'])
    const m = { ...o, [k]: r.chance(0.2) ? nastyValue(r) : mutateValue(r, o[k]) }
    const payload = plainPack.pack(m)
    const p = Buffer.from(s.bytes.subarray(idx.at, idx.at + 20))
    p.writeUInt32LE(payload.length, 4)
    if (r.chance(0.3)) p.writeUInt32LE(r.int(1000), 12)
    p.writeUInt32LE(z(payload, z(p.subarray(12, 20))), 8)
    const t = Buffer.from(s.bytes.subarray(s.bytes.length - 16))
    return Buffer.concat([s.bytes.subarray(0, idx.at), p, payload, t])
  },
  indexLength: (r, s) => {
    const idx = s.parts.find((p) => p.kind === 'index')
    if (idx === undefined) return s.bytes
    const b = Buffer.from(s.bytes)
    b.writeUInt32LE(r.pick(LENGTHS), idx.at + 4)
    return b
  },
  trailer: (r, s) => {
    const b = Buffer.from(s.bytes)
    const v = r.chance(0.5) ? r.pick(NASTY_NUMBERS) : r.pick(s.parts).at + r.pick([0, 1, -1, 0.5])
    b.writeDoubleLE(v, b.length - 16)
    return b
  },
  salvageMaze: (r, s) => {
    // many frame magics that claim long payloads: resynchronisation must stay linear
    const n = 200 + r.int(800)
    const junk = Buffer.alloc(n * 24)
    for (let i = 0; i < n; i++) {
      junk.set(FRAME_MAGIC, i * 24)
      junk.writeUInt32LE(r.chance(0.5) ? junk.length : r.int(1 << 20), i * 24 + 4)
    }
    const f = s.parts[0]
    if (f === undefined) return s.bytes
    return Buffer.concat([s.bytes.subarray(0, f.at + 3), junk, s.bytes.subarray(f.at + 3)])
  },
}

export const MUTATOR_NAMES = Object.keys(TRACE_MUTATORS)

// ---------------------------------------------------------------------------------------------- checks

export interface Finding {
  kind: 'crash' | 'hang' | 'silent-schema' | 'contamination'
  target: 'trace' | 'jsonl' | 'scenario'
  mutator: string
  salvage: boolean
  input: number
  message: string
  /** the damaged input, for reproduction (only the first few findings of a kind keep it) */
  sample?: Buffer | string
}

export interface FuzzOptions {
  seed: number
  /** trace inputs (each read twice: plain and salvaging) */
  traces: number
  jsonl: number
  scenarios: number
  /** per-input budget, ms */
  budgetMs: number
  /** replay every decoded event into a fresh ground truth (finds silent schema violations) */
  replay: boolean
  onProgress?: (done: number, total: number) => void
  /** mutators to use (default: all) */
  mutators?: string[]
}

export interface FuzzReport {
  inputs: { traces: number; jsonl: number; scenarios: number }
  outcomes: Record<string, number>
  findings: Finding[]
  counts: Record<string, number>
  /** the whole run, and its trace inputs alone (seeds and clean digest included) */
  ms: number
  traceMs: number
}

const isUserError = (e: unknown): boolean =>
  e instanceof Error && typeof (e as { userMessage?: unknown }).userMessage === 'string' && !(e as Error).message.includes('\n')

/**
 * decodeAll - read @file, decode every frame into events (each validated against its schema and, with
 * @replay, applied to a fresh ground truth). @returns the SHA-1 digest of everything decoded (its text is
 * built as one string and hashed once: one native call per file, not one per field), the first silent
 * schema violation, and the damage count.
 */
function decodeAll(file: string, salvage: boolean, replay: boolean): { digest: string; silent: string | null; damage: number } {
  let text = ''
  let silent: string | null = null
  let damage = 0
  let truth: TruthState | null = null
  let dec: EventDecoder | null = null
  for (const item of readTraceSync(file, { salvage, reuseBuffers: true })) {
    if (item.kind === 'header') {
      dec = item.decoder
      text += JSON.stringify(item.header.source ?? null)
      if (replay) truth = new TruthState()
    } else if (item.kind === 'frame') {
      dec!.forEach(
        item.frame,
        (e) => {
          text += `${e.type}|`
          for (const k in e) text += String((e as unknown as Record<string, unknown>)[k])
          // validateEvent neither keeps nor changes its argument: the scratch event itself is checked
          const v = validateEvent(e)
          if (typeof v === 'string') {
            const applied = truth === null ? true : truth.apply(e)
            if (applied && silent === null) silent = `${v} (frame ${item.frameNo}, event ${JSON.stringify(e)})`
          } else truth?.apply(e)
        },
        (name) => void (text += `?${name}`),
      )
    } else if (item.kind === 'damage') {
      damage++
      const d = item.damage
      if (!Number.isSafeInteger(d.offset) || d.offset < 0) throw new Error(`damage with a bad offset ${d.offset}`)
      text += `!${d.kind}@${d.offset}`
    } else text += `end ${item.frames} ${item.events} ${item.complete}`
  }
  return { digest: createHash('sha1').update(text).digest('hex'), silent, damage }
}
function loadSeeds(dir: string): Seed[] {
  const seeds: Seed[] = []
  const add = (name: string, bytes: Buffer): void => {
    const { headerEnd, parts } = sections(bytes)
    const s: Seed = { name, bytes, headerEnd, parts }
    s.derived = { header: header(s), frames: frameBytes(s) }
    seeds.push(s)
  }
  const real = join(ROOT, 'traces/fork-cow-pmd-thp.mmtrace')
  add('fork-cow-pmd-thp', readFileSync(real))
  // the same events in frames of 7 (many frames), and of 50
  const events: MmEvent[] = []
  const probe = readTraceSync(real)
  let dec: EventDecoder | null = null
  for (const item of probe) {
    if (item.kind === 'header') dec = item.decoder
    else if (item.kind === 'frame') events.push(...dec!.toEvents(item.frame))
  }
  for (const per of [7, 50]) {
    const f = join(dir, `seed-${per}.mmtrace`)
    const w = new TraceWriter(f, { kind: 'synthetic', name: `fuzz-seed-${per}` }, per)
    w.writeAll(events.slice(0, per * 6))
    w.close()
    add(`frames-of-${per}`, readFileSync(f))
  }
  return seeds
}

/** runFuzz - the harness; see the file comment. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now()
  const { dir, inRam } = scratchDir()
  const r = new Rng(opts.seed)
  const findings: Finding[] = []
  const counts: Record<string, number> = { crash: 0, hang: 0, 'silent-schema': 0, contamination: 0 }
  const outcomes: Record<string, number> = { read: 0, damage: 0, userError: 0 }
  const seen = new Set<string>()
  const report = (f: Finding): void => {
    counts[f.kind] = (counts[f.kind] ?? 0) + 1
    const key = `${f.kind}|${f.target}|${f.message.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 160)}`
    if (seen.has(key) || findings.length >= 200) return
    seen.add(key)
    findings.push(f)
  }
  try {
    const seeds = loadSeeds(dir)
    const clean = seeds[1]!
    const cleanFile = join(dir, 'clean.mmtrace')
    writeFileSync(cleanFile, clean.bytes)
    const cleanDigest = decodeAll(cleanFile, false, false).digest
    const names = opts.mutators ?? MUTATOR_NAMES
    const file = join(dir, 'input.mmtrace')
    const total = opts.traces + opts.jsonl + opts.scenarios
    for (let i = 0; i < opts.traces; i++) {
      const seed = r.pick(seeds)
      const mutator = r.pick(names)
      let bytes = mutate(r, mutator, seed)
      if (r.chance(0.1)) bytes = mutate(r, r.pick(names), { name: seed.name, bytes, ...safeSections(bytes, seed) })
      rewrite(file, bytes, inRam)
      const salvage = (i & 1) === 1
      const t = performance.now()
      try {
        const res = decodeAll(file, salvage, opts.replay)
        outcomes[res.damage > 0 ? 'damage' : 'read']!++
        if (res.silent !== null) report({ kind: 'silent-schema', target: 'trace', mutator, salvage, input: i, message: res.silent, sample: bytes })
      } catch (e) {
        if (isUserError(e)) outcomes.userError!++
        else report({ kind: 'crash', target: 'trace', mutator, salvage, input: i, message: e instanceof Error ? (e.stack ?? e.message) : String(e), sample: bytes })
      }
      const ms = performance.now() - t
      if (ms > opts.budgetMs) report({ kind: 'hang', target: 'trace', mutator, salvage, input: i, message: `took ${ms.toFixed(0)} ms`, sample: bytes })
      try {
        const d = decodeAll(cleanFile, false, false).digest
        if (d !== cleanDigest) report({ kind: 'contamination', target: 'trace', mutator, salvage, input: i, message: 'a clean trace decoded differently after this input', sample: bytes })
      } catch (e) {
        report({ kind: 'contamination', target: 'trace', mutator, salvage, input: i, message: `a clean trace failed after this input: ${(e as Error).message}`, sample: bytes })
      }
      if ((i & 1023) === 0) opts.onProgress?.(i, total)
    }
    const traceMs = performance.now() - t0
    await fuzzJsonl(r, opts, dir, inRam, report, outcomes)
    opts.onProgress?.(opts.traces + opts.jsonl, total)
    fuzzScenarios(r, opts, report, outcomes)
    return { inputs: { traces: opts.traces, jsonl: opts.jsonl, scenarios: opts.scenarios }, outcomes, findings, counts, ms: performance.now() - t0, traceMs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * rewrite - replace the contents of scratch file @file with @data: in place on a RAM file system (@inRam,
 * ~5 us for a 5 KB trace), else by unlinking it and creating it afresh. Truncating and rewriting a file in
 * place costs ~4.5 ms on this machine's ext4 (auto_da_alloc forces the blocks out when a file is truncated to
 * 0 and written again): it was 40% of the fuzzer's time (450 inputs/s instead of 1,700); unlink + create is
 * ~15 us there.
 */
function rewrite(file: string, data: Uint8Array | string, inRam: boolean): void {
  if (!inRam) {
    try {
      unlinkSync(file)
    } catch {
      // the first write: nothing to unlink (unlinkSync is ~5 us cheaper than rmSync's lstat + rimraf)
    }
  }
  writeFileSync(file, data)
}

/**
 * scratchDir - a fresh directory for the scratch files: on the RAM file system /dev/shm when there is one
 * (@inRam), else in the OS temporary directory.
 */
function scratchDir(): { dir: string; inRam: boolean } {
  try {
    return { dir: mkdtempSync('/dev/shm/mmsim-fuzz-'), inRam: true }
  } catch {
    return { dir: mkdtempSync(join(tmpdir(), 'mmsim-fuzz-')), inRam: false }
  }
}

/** mutate - @s damaged by @mutator (a mutator that cannot apply to a twice-damaged input flips bytes instead). */
function mutate(r: Rng, mutator: string, s: Seed): Buffer {
  try {
    return TRACE_MUTATORS[mutator]!(r, s)
  } catch {
    return TRACE_MUTATORS.rawFlip!(r, s)
  }
}

function safeSections(bytes: Buffer, seed: Seed): { headerEnd: number; parts: Section[] } {
  try {
    if (bytes.length < 16) return { headerEnd: seed.headerEnd, parts: [] }
    const s = sections(bytes)
    return s.headerEnd <= bytes.length ? s : { headerEnd: seed.headerEnd, parts: [] }
  } catch {
    return { headerEnd: Math.min(seed.headerEnd, bytes.length), parts: [] }
  }
}

// ---------------------------------------------------------------------------------------------- JSONL

async function fuzzJsonl(
  r: Rng, opts: FuzzOptions, dir: string, inRam: boolean, report: (f: Finding) => void, outcomes: Record<string, number>,
): Promise<void> {
  if (opts.jsonl === 0) return
  const lines = readFileSync(join(ROOT, 'traces/fork-cow-pmd-thp.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
  const file = join(dir, 'input.jsonl')
  for (let i = 0; i < opts.jsonl; i++) {
    const ls = lines.slice(0, 1 + r.int(lines.length))
    const edits = 1 + r.int(3)
    for (let k = 0; k < edits; k++) {
      const j = r.int(ls.length)
      let o: unknown
      try {
        o = JSON.parse(ls[j]!)
      } catch {
        continue
      }
      const op = r.int(4)
      if (op === 0) ls[j] = ls[j]!.slice(0, r.int(ls[j]!.length))
      else if (op === 1 && typeof o === 'object' && o !== null) {
        const keys = Object.keys(o)
        const key = r.pick(keys)
        ;(o as Record<string, unknown>)[key] = r.pick([...NASTY_VALUES, 2 ** 53 - 1, 2 ** 24, 2 ** 30, 2 ** 40, 'pud', 'hugezero'])
        ls[j] = JSON.stringify(o)
      } else if (op === 2) ls.splice(r.int(ls.length), 0, ls[r.int(ls.length)]!)
      else ls[j] = JSON.stringify(mutateValue(r, o))
    }
    rewrite(file, ls.join('\n') + '\n', inRam)
    const t = performance.now()
    try {
      const truth = new TruthState()
      for await (const e of jsonlEvents(file)) truth.apply(e)
      outcomes.read!++
    } catch (e) {
      if (isUserError(e)) outcomes.userError!++
      else report({ kind: 'crash', target: 'jsonl', mutator: 'jsonl', salvage: false, input: i, message: e instanceof Error ? (e.stack ?? e.message) : String(e), sample: ls.join('\n') })
    }
    const ms = performance.now() - t
    if (ms > opts.budgetMs) report({ kind: 'hang', target: 'jsonl', mutator: 'jsonl', salvage: false, input: i, message: `took ${ms.toFixed(0)} ms`, sample: ls.join('\n') })
  }
}

// ---------------------------------------------------------------------------------------------- scenarios

const SIZE_TOKENS = ['0', '4K', '8K', '12K', '2M', '4M', '1G', '2G', '8G', '15G', '63G', '64G', '1000000G', '4097', '99999999999']

function fuzzScenarios(r: Rng, opts: FuzzOptions, report: (f: Finding) => void, outcomes: Record<string, number>): void {
  if (opts.scenarios === 0) return
  const dir = join(ROOT, 'traces/scenarios')
  const texts = readdirSync(dir).filter((f) => f.endsWith('.scenario')).sort().map((f) => readFileSync(join(dir, f), 'utf8'))
  for (let i = 0; i < opts.scenarios; i++) {
    const ls = r.pick(texts).split('\n')
    const edits = 1 + r.int(3)
    for (let k = 0; k < edits; k++) {
      const j = r.int(ls.length)
      const toks = ls[j]!.split(/(\s+)/)
      const op = r.int(6)
      if (op === 0 && toks.length > 0) {
        const t = r.int(toks.length)
        toks[t] = r.pick([...SIZE_TOKENS, 'p999999', 'hugetlb.2M=99999999999', 'set', 'check', 'fork', 'p1', 'A', 'A[0+8G]', '#'])
        ls[j] = toks.join('')
      } else if (op === 1) ls.splice(j, 0, ls[r.int(ls.length)]!)
      else if (op === 2) ls.splice(j, 1)
      else if (op === 3) ls[j] = ls[j]!.replace(/\d+[KMG]?/, r.pick(SIZE_TOKENS))
      else if (op === 4) ls.splice(j, 0, `set hugetlb.${r.pick(['2M', '1G'])}=${r.pick(['0', '8', '99999999999', '1e3', '-1', '4096'])}`)
      else ls[j] = ls[j]!.slice(0, r.int(ls[j]!.length + 1))
    }
    const text = ls.join('\n')
    const t = performance.now()
    try {
      const s = parseScenario(text, `fuzz-${i}.scenario`)
      runScenario(s, null)
      outcomes.read!++
    } catch (e) {
      if (isUserError(e) || (e instanceof Error && e.name === 'FatalScenarioError')) outcomes.userError!++
      else report({ kind: 'crash', target: 'scenario', mutator: 'scenario', salvage: false, input: i, message: e instanceof Error ? (e.stack ?? e.message) : String(e), sample: text })
    }
    const ms = performance.now() - t
    if (ms > opts.budgetMs) report({ kind: 'hang', target: 'scenario', mutator: 'scenario', salvage: false, input: i, message: `took ${ms.toFixed(0)} ms`, sample: text })
  }
}
