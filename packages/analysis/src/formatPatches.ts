import type { StatePatch } from './statePatches.ts'

const show = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))

/**
 * formatPatches - the changes of one event as text, one line per patch: `~ path: old -> new`
 * (replace), `+ path: value` (add), `- path: old` (remove); the path dot-joined
 * (folios.0x200.answers.linux-6.15.folioMapcount).
 */
export function formatPatches(patches: readonly StatePatch[]): string[] {
  if (patches.length === 0) return ['no change to the touched folios, the VMAs of its process or the violation count']
  return patches.map((p) => {
    const path = p.path.join('.')
    if (p.op === 'replace') return `~ ${path}: ${show(p.old)} -> ${show(p.value)}`
    if (p.op === 'add') return `+ ${path}: ${show(p.value)}`
    return `- ${path}${p.old === undefined ? '' : `: ${show(p.old)}`}`
  })
}
