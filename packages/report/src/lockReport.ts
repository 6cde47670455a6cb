import { num, table, type LockTally } from '@mmsim/analysis'

/** LockReport - the `locks` key of `mmsim replay --locks --json`: one entry per era modelled. */
export type LockReport = (Omit<LockTally, 'era'> & { era: string; schemes: string[] })[]

/** lockReport - the report of @models (era as "6.18"; classes nothing took left out). */
export function lockReport(models: readonly { tally: LockTally; schemes: string[] }[]): LockReport {
  return models.map(({ tally, schemes }) => ({
    era: `${Math.floor(tally.era / 100)}.${tally.era % 100}`,
    schemes,
    classes: tally.classes.filter((c) => c.eventsHeld > 0),
  }))
}

/**
 * formatLockReport - per era, a table of lock classes (acquisitions, events held, instances) and the
 * busiest instances of each class.
 */
export function formatLockReport(rep: LockReport): string {
  const out: string[] = []
  for (const e of rep) {
    if (out.length > 0) out.push('')
    out.push(`locks held, as Linux ${e.era} takes them${e.schemes.length > 0 ? ` (schemes ${e.schemes.join(', ')})` : ''}: acquisitions (a ptl once per run of entries of one table in one statement), events held, instances`)
    if (e.classes.length === 0) {
      out.push('  none')
      continue
    }
    const cols = [{ title: 'lock class' }, { title: 'acquisitions', align: 'right' as const }, { title: 'events held', align: 'right' as const }, { title: 'instances', align: 'right' as const }, { title: 'busiest instances (acquisitions)' }]
    out.push(...table(cols, e.classes.map((c) => [c.lock, c.acquisitions, c.eventsHeld, c.instances, c.top.slice(0, 3).map((t) => `${t.instance} ${num(t.acquisitions)}`).join(', ')]), { indent: '  ' }))
  }
  return out.join('\n')
}
