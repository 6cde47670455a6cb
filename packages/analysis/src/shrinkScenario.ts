import { parseScenario, printScenario, type ParsedScenario, type Statement } from '@mmsim/kernel'

/** Interesting - does this candidate scenario (parsed, with fresh line numbers) still show the behaviour? */
export type Interesting = (candidate: ParsedScenario) => boolean | Promise<boolean>

/** ShrinkResult - the minimal scenario, its text, and how many candidates were tested (@tests) or answered from the cache. */
export interface ShrinkResult {
  scenario: ParsedScenario
  text: string
  tests: number
  cached: number
  rounds: number
}

/** ShrinkOptions - @onProgress is told the current statement count after each accepted reduction. */
export interface ShrinkOptions {
  onProgress?: (statements: number, tests: number) => void
}

const PAGE = 4096

/**
 * dependents - the statements to drop with @removed (indices into @sts, header excluded): a dropped fork
 * drops everything its child (and the child's children) does until the name is forked again; a dropped
 * mmap/mremap drops the statements that use the name it created, in that process and in children forked
 * after it. What is left may still be invalid (a range past a shrunk mapping): the parser decides.
 */
function closure(sts: readonly Statement[], removed: ReadonlySet<number>): Set<number> {
  const out = new Set<number>()
  const deadProcs = new Set<string>()
  const deadMaps = new Set<string>() // "proc name"
  sts.forEach((st, i) => {
    const p = 'proc' in st ? st.proc : null
    const uses = 'range' in st ? st.range.mapping : null
    let drop = removed.has(i) || (p !== null && deadProcs.has(p)) || (p !== null && uses !== null && deadMaps.has(`${p} ${uses}`))
    if (st.op === 'fork' && !drop) {
      deadProcs.delete(st.child)
      for (const k of [...deadMaps]) if (k.startsWith(`${st.child} `)) deadMaps.delete(k)
      for (const k of [...deadMaps]) if (k.startsWith(`${st.proc} `)) deadMaps.add(`${st.child} ${k.slice(st.proc.length + 1)}`)
    }
    if (!drop) return
    out.add(i)
    if (st.op === 'fork') deadProcs.add(st.child)
    if (st.op === 'mmap') deadMaps.add(`${st.proc} ${st.name}`)
    if (st.op === 'mremap') deadMaps.add(`${st.proc} ${st.target}`)
    drop = false
  })
  return out
}

/**
 * ScenarioShrinker - delta debugging (Zeller's ddmin) over a scenario's structure, C-Reduce style: an
 * interestingness test decides, candidates that do not parse are uninteresting, and tests are cached by
 * the candidate's canonical text.
 */
class ScenarioShrinker {
  tests = 0
  cached = 0
  private readonly cache = new Map<string, boolean>()

  constructor(readonly file: string, readonly header: Statement[], readonly interesting: Interesting, readonly opts: ShrinkOptions) {}

  /** test - is the scenario made of the header and @body interesting? (unparsable: no) */
  async test(body: readonly Statement[]): Promise<boolean> {
    let text: string
    try {
      text = printScenario([...this.header, ...body])
    } catch {
      return false
    }
    const hit = this.cache.get(text)
    if (hit !== undefined) {
      this.cached++
      return hit
    }
    let parsed: ParsedScenario
    try {
      parsed = parseScenario(text, this.file)
    } catch {
      this.cache.set(text, false)
      return false
    }
    this.tests++
    let ok: boolean
    try {
      ok = await this.interesting(parsed)
    } catch {
      ok = false
    }
    this.cache.set(text, ok)
    return ok
  }

  /** ddmin - a 1-minimal sub-list of @body (removing any single statement, with its dependents, is uninteresting). */
  async ddmin(body: Statement[]): Promise<Statement[]> {
    let cur = body
    let n = 2
    while (cur.length >= 1) {
      const size = Math.ceil(cur.length / n)
      let reduced = false
      for (let start = 0; start < cur.length; start += size) {
        const chunk = new Set<number>()
        for (let i = start; i < Math.min(cur.length, start + size); i++) chunk.add(i)
        const drop = closure(cur, chunk)
        const cand = cur.filter((_, i) => !drop.has(i))
        if (cand.length < cur.length && (await this.test(cand))) {
          cur = cand
          n = Math.max(n - 1, 2)
          reduced = true
          this.opts.onProgress?.(cur.length, this.tests)
          break
        }
      }
      if (reduced) continue
      if (size <= 1) break
      n = Math.min(cur.length, n * 2)
    }
    return cur
  }

  /** simplify - shrink mmap sizes (whole-mapping ranges follow), skews, and range offsets/lengths, one at a time, while interesting. */
  async simplify(body: Statement[]): Promise<Statement[]> {
    let cur = body
    for (let i = 0; i < cur.length; i++) {
      for (;;) {
        const st = cur[i]!
        let done = true
        for (const alt of alternatives(st)) {
          const cand = cur.slice()
          cand[i] = alt
          if (st.op === 'mmap' && alt.op === 'mmap' && alt.size !== st.size) {
            for (let j = i + 1; j < cand.length; j++) {
              const o = cand[j]!
              if ('range' in o && o.range.mapping === st.name && o.range.offset === 0 && o.range.length === st.size) cand[j] = { ...o, range: { ...o.range, length: alt.size } } as Statement
            }
          }
          if (await this.test(cand)) {
            cur = cand
            done = false
            this.opts.onProgress?.(cur.length, this.tests)
            break
          }
        }
        if (done) break
      }
    }
    return cur
  }
}

/** alternatives - smaller versions of @st: half the mapping, no skew, half the range (either half), one page of it. */
function alternatives(st: Statement): Statement[] {
  const out: Statement[] = []
  if (st.op === 'mmap') {
    if (st.skew !== 0) out.push({ ...st, skew: 0 })
    const half = Math.floor(st.size / 2 / PAGE) * PAGE
    if (half >= PAGE) out.push({ ...st, size: half })
  }
  if ('range' in st) {
    const r = st.range
    const half = Math.floor(r.length / 2 / PAGE) * PAGE
    if (half >= PAGE) {
      out.push({ ...st, range: { ...r, length: half } } as Statement)
      out.push({ ...st, range: { ...r, offset: r.offset + r.length - half, length: half } } as Statement)
    }
    if (r.length > PAGE) out.push({ ...st, range: { ...r, length: PAGE } } as Statement)
  }
  return out
}

/**
 * shrinkScenario - reduce scenario @s while @interesting holds: ddmin over statements (a fork takes its
 * child's statements along, an mmap/mremap the statements using its name), then smaller sizes, skews and
 * ranges, repeated until nothing changes; a final ddmin leaves the result 1-minimal. The `scenario` and
 * `set` header lines are kept, then `set` lines are tried away too. Throws when @s itself is not interesting.
 */
export async function shrinkScenario(s: ParsedScenario, interesting: Interesting, opts: ShrinkOptions = {}): Promise<ShrinkResult> {
  const header = s.statements.filter((st) => st.op === 'scenario')
  const sh = new ScenarioShrinker(s.file, header, interesting, opts)
  let body: Statement[] = s.statements.filter((st) => st.op !== 'scenario')
  if (!(await sh.test(body))) throw new Error(`${s.file}: the scenario is not interesting to begin with`)
  let rounds = 0
  for (;;) {
    rounds++
    const before = printScenario([...header, ...body])
    body = await sh.ddmin(body)
    body = await sh.simplify(body)
    if (printScenario([...header, ...body]) === before) break
  }
  body = await sh.ddmin(body)
  const text = printScenario([...header, ...body]).replace(/^\n+/, '')
  return { scenario: parseScenario(text, s.file), text, tests: sh.tests, cached: sh.cached, rounds }
}
