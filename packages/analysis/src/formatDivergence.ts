import type { MmEvent } from '@mmsim/core'
import type { Answer } from './answerSides.ts'
import type { IndexedEvent } from './bisectAnswers.ts'
import type { Divergence } from './divergenceScanner.ts'

const hex = (n: number): string => '0x' + n.toString(16)

/** formatEvent - one event as `type field=value … (cause)`, PFNs and vpns in hex. */
export function formatEvent(e: MmEvent): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(e)) {
    if (k === 'type' || k === 'cause') continue
    parts.push(`${k}=${typeof v === 'number' && /folio|page|vpn|pfn/i.test(k) && k !== 'nrPages' ? hex(v) : String(v)}`)
  }
  return `${e.type} ${parts.join(' ')}${e.cause ? ` (${e.cause})` : ''}`
}

/** formatAnswer - an answer as printed (null: "-"). */
export function formatAnswer(a: Answer): string {
  return a === null ? '-' : String(a)
}

/**
 * formatDivergence - the lines of a bisect verdict: the event index and the event with its cause, the
 * query and folio/page, both answers, then the @context events that touched the same folio.
 */
export function formatDivergence(d: Divergence, labels: [string, string], context: readonly IndexedEvent[]): string[] {
  const where = d.page === null ? `folio ${hex(d.folio)}` : `page ${hex(d.page)} (folio ${hex(d.folio)} +${d.page - d.folio})`
  const lines = [
    `first divergence after event ${d.index}: ${formatEvent(d.event)}`,
    `  cause: ${d.event.cause || '(unknown)'}`,
    `  ${d.query} of ${where}${d.where ? ` at ${d.where}` : ''}: ${labels[0]} ${formatAnswer(d.a)}, ${labels[1]} ${formatAnswer(d.b)}`,
  ]
  if (context.length > 0) {
    lines.push(`  earlier events on this folio:`)
    for (const c of context) lines.push(`    #${c.index} ${formatEvent(c.event)}`)
  }
  return lines
}
