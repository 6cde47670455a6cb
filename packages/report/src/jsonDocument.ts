/**
 * JSON_FORMATS - the `format` of every `mmsim … --json` document (and of `mmsim observe`), by command. The
 * number after the slash changes only when a key is removed or changes meaning; adding a key keeps it. Each
 * format has its JSON Schema in docs/schemas/<command>.schema.json.
 */
export const JSON_FORMATS = {
  replay: 'mmsim-replay/1',
  info: 'mmsim-info/1',
  diff: 'mmsim-diff/1',
  inspect: 'mmsim-inspect/1',
  strategies: 'mmsim-strategies/1',
  bisect: 'mmsim-bisect/1',
  shrink: 'mmsim-shrink/1',
  verify: 'mmsim-verify/1',
  record: 'mmsim-record/1',
  locks: 'mmsim-locks/1',
  hvo: 'mmsim-hvo/1',
  difftest: 'mmsim-difftest/1',
  cost: 'mmsim-cost/1',
  waste: 'mmsim-waste/1',
  sweep: 'mmsim-sweep/1',
  observe: 'mmsim-observations/1',
} as const

/** JsonCommand - a command with a JSON document. */
export type JsonCommand = keyof typeof JSON_FORMATS

/**
 * jsonDocument - the text of @command's JSON document: `format` first, then the keys of @body in their
 * order, two-space indented, one trailing newline. Precondition: @body has no `format` key of its own.
 * @returns the text to write to stdout
 */
export function jsonDocument(command: Exclude<JsonCommand, 'observe'>, body: object): string {
  if ('format' in body) throw new Error(`jsonDocument(${command}): the body already has a format key`)
  return JSON.stringify({ format: JSON_FORMATS[command], ...body }, null, 2) + '\n'
}
