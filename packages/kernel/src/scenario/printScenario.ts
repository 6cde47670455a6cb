import { assertNever } from '@mmsim/core'
import { ScenarioScope } from './scenarioScope.ts'
import { formatSize } from './sizes.ts'
import type { ByteRange, SetStatement, Statement } from './statements.ts'

function setText(st: SetStatement): string {
  switch (st.knob) {
    case 'thp':
    case 'shmem_thp':
      return `set ${st.knob}=${st.value}`
    case 'thp.size':
      return `set thp.${formatSize(st.size)}=${st.value}`
    case 'shmem_thp.size':
      return `set shmem_thp.${formatSize(st.size)}=${st.value}`
    case 'hugetlb':
      return `set hugetlb.${formatSize(st.size)}=${st.value}`
    case 'hvo':
      return `set hvo=${st.value ? 'on' : 'off'}`
    case 'hgm':
      return `set hgm=${st.value ? 'on' : 'off'}`
  }
}

/**
 * printStatement - the canonical text of one statement (no line number, no comment).
 * @wholeSize: size of the mapping a range statement names; a range covering it all prints as `NAME`
 */
export function printStatement(st: Statement, wholeSize?: number): string {
  const r = (range: ByteRange): string =>
    range.offset === 0 && range.length === wholeSize ? range.mapping : `${range.mapping}[${formatSize(range.offset)}+${formatSize(range.length)}]`
  switch (st.op) {
    case 'scenario':
      return `scenario ${st.name}`
    case 'set':
      return setText(st)
    case 'check':
      return `check${st.vmemmap ? ' vmemmap' : ''}${st.smaps === true ? ' smaps' : ''}`
    case 'mmap':
      return `${st.proc} mmap ${st.name} ${formatSize(st.size)} ${st.kind} ${st.sharing}${st.skew ? ` skew=${formatSize(st.skew)}` : ''}`
    case 'munmap':
    case 'read':
    case 'write':
    case 'punch':
    case 'continue':
    case 'pin':
      return `${st.proc} ${st.op} ${r(st.range)}`
    case 'unpin':
      return `${st.proc} unpin`
    case 'fork':
      return `${st.proc} fork ${st.child}`
    case 'exit':
      return `${st.proc} exit`
    case 'madvise':
      return `${st.proc} madvise ${r(st.range)} ${st.advice}`
    case 'mremap':
      return `${st.proc} mremap ${r(st.range)} ${st.target}`
    case 'mprotect':
      return `${st.proc} mprotect ${r(st.range)} ${st.prot}`
    default:
      return assertNever(st, 'scenario statement')
  }
}

/**
 * printScenario - canonical text of a statement list, one statement per line. When the statements'
 * line numbers increase strictly, each is printed on its own line number (blank lines fill the gaps),
 * so parseScenario(printScenario(s)) gives back exactly @statements, lines included.
 * Precondition: @statements is valid (as returned by parseScenario()).
 */
export function printScenario(statements: readonly Statement[]): string {
  const scope = new ScenarioScope()
  const out: string[] = []
  const keepLines = statements.every((st, i) => i === 0 || st.line > statements[i - 1]!.line)
  for (const st of statements) {
    const size = 'range' in st ? scope.mapping(st.proc, st.range.mapping).size : undefined
    if (keepLines) while (out.length < st.line - 1) out.push('')
    out.push(printStatement(st, size))
    scope.apply(st)
  }
  return out.join('\n') + '\n'
}
