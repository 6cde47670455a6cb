import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { strategyObserver } from './strategyObserver.ts'

const file = join(import.meta.dirname, '../../../../traces/scenarios/smaps-thp-pmd.scenario')
const smapsUnder = async (id: string) => simulateScenario(parseScenario(readFileSync(file, 'utf8'), file), await strategyObserver(id)).observation.checks[2]!.smaps!

// smaps-thp-pmd, last check: p0 maps the THP by its PMD, p1 by 511 PTEs (one page dropped). Worked out by hand:
// CONFIG_PAGE_MAPCOUNT (linux-6.15): page mapcounts 2 (511 pages) and 1 (the dropped one) -> p0 Pss
//   511 × 2 + 4 = 1026 kB, Private_Dirty 4 kB (the live kernel says the same: smaps-thp-pmd.kernel.json).
// CONFIG_NO_PAGE_MAPCOUNT (linux-6.15-no-page-mapcount): folio_average_page_mapcount() = entire 1 +
//   ((512 − 1) + 256) >> 9 = 2 for every page, and the folio is maybe mapped shared (two MMs) -> p0 Pss
//   512 × 2 = 1024 kB, all Shared_Dirty; p1 511 × 2 = 1022 kB.
describe('observe --strategy: smaps per scheme', () => {
  it('CONFIG_PAGE_MAPCOUNT scheme: precise page mapcounts', async () => {
    const s = await smapsUnder('linux-6.15')
    expect(s.p0!.A).toMatchObject({ Rss: 2048, Pss: 1026, Shared_Dirty: 2044, Private_Dirty: 4, AnonHugePages: 2048 })
    expect(s.p1!.A).toMatchObject({ Rss: 2044, Pss: 1022, Shared_Dirty: 2044, Private_Dirty: 0 })
  })
  it('CONFIG_NO_PAGE_MAPCOUNT scheme: the folio average and maybe-mapped-shared', async () => {
    const s = await smapsUnder('linux-6.15-no-page-mapcount')
    expect(s.p0!.A).toMatchObject({ Rss: 2048, Pss: 1024, Shared_Dirty: 2048, Private_Dirty: 0, AnonHugePages: 2048 })
    expect(s.p1!.A).toMatchObject({ Rss: 2044, Pss: 1022, Shared_Dirty: 2044, Private_Dirty: 0 })
  })
})
