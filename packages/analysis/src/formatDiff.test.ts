import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { loadStrategies, strategyById } from '@mmsim/strategies'
import { diffTrace } from './diffTrace.ts'
import { formatDiff } from './formatDiff.ts'
import { TEXT_WIDTH } from './formatTable.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

test('diff text fits in 120 columns: answers as A/B, first events listed once, A and B cost rows one under the other', async () => {
  const [broken] = await loadStrategies('./packages/strategies/examples/brokenPmdSplit.js', ROOT)
  const r = await diffTrace(`${ROOT}traces/fork-cow-pmd-thp.mmtrace`, { a: strategyById('linux-6.15-no-page-mapcount')!, b: broken! })
  const lines = formatDiff(r)
  for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(TEXT_WIDTH)
  const text = lines.join('\n')
  expect(text).toMatch(/^diff linux-6\.15-no-page-mapcount \(A\) vs broken-pmd-split \(B\): 22 events, answers differ$/m)
  expect(text).toMatch(/^ {2}folioMapcount +\d+ +first: event 8 pmd\/remapped, folio 0x1000: A 513, B 514$/m)
  expect(text.match(/^ {2}event 8: pmd\/remapped pid=1 vpn=0x40000 folio=0x1000 \(fork-cow-pmd-thp\.scenario:8\)$/gm)).toHaveLength(1)
  expect(text).toMatch(/^ {2}event type +events +atomics +\/event +PAE bitops +cache lines +bit-locks +HVO conflicts +HVO writes$/m)
  expect(text).toMatch(/^ {2}total +13 +A +[\d,]+ .*\n {20,}B +[\d,]+ /m)
})
