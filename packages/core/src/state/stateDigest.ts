import { createHash } from 'node:crypto'
import { forEachEntry } from '../groundTruth/recount.ts'
import { trieForEach } from './cowTrie.ts'
import type { MmState } from './mmState.ts'

/**
 * stateDigest - a SHA-256 over a canonical rendering of @state: processes and their VMAs, every present
 * page-table entry, every folio (order, kind, file place, anon-exclusive bits, HVO) and the violation count.
 * The same events give the same digest on every run and machine.
 * @returns 64 hex digits
 */
export function stateDigest(state: MmState): string {
  const h = createHash('sha256')
  let buf: string[] = []
  const flush = (): void => {
    h.update(buf.join('\n'))
    buf = []
  }
  const put = (s: string): void => {
    buf.push(s)
    if (buf.length >= 4096) flush()
  }
  const pids = Object.keys(state.procs).map(Number).sort((a, b) => a - b)
  for (const pid of pids) {
    const p = state.procs[pid]!
    put(`P ${pid} ${p.parent}`)
    for (const v of p.vmas) put(`V ${v.start} ${v.end} ${v.kind} ${+v.shared}${+v.writable} ${v.file} ${v.pgoff} ${v.thp} ${+v.dontfork}${v.hgm === true ? ' hgm' : ''}`)
  }
  forEachEntry(state, (pid, level, vpn, pfn) => put(`E ${pid} ${level} ${vpn} ${pfn}`))
  trieForEach(state.folios, (pfn, f) => {
    let ex = ''
    if (f.exclusive !== null && f.exclusive.includes(1)) ex = Buffer.from(f.exclusive).toString('hex')
    put(`F ${pfn} ${f.order} ${f.kind} ${f.file} ${f.index} ${+f.hvo} ${ex}`)
  })
  put(`X ${state.violationCount}`)
  flush()
  return h.digest('hex')
}
