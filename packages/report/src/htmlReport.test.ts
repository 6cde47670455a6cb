import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { loadPlugin, loadStrategies } from '@mmsim/strategies'
import { TraceWriter } from '@mmsim/trace'
import { htmlReport, markId } from './htmlReport.ts'
import { reportData } from './reportData.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-html-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function traceOf(name: string): string {
  const file = fileURLToPath(new URL(`../../../traces/scenarios/${name}.scenario`, import.meta.url))
  const r = simulateScenario(parseScenario(readFileSync(file, 'utf8'), file))
  const path = join(dir, `${name}.mmtrace`)
  const w = new TraceWriter(path, { kind: 'scenario', name })
  w.writeAll(r.events)
  w.close()
  return path
}
const schemes = async () => [
  ...(await loadStrategies('linux-6.12')),
  (await loadPlugin(fileURLToPath(new URL('../../strategies/examples/brokenPmdSplit.js', import.meta.url))))[0]!,
]
// cow-pte-mapped-thp: the 2M THP p0 writes is the folio at this PFN in the simulated kernel
const THP = 0x100400

/** the first Chromium this machine has (Debian's `chromium`), or null */
function chromiumPath(): string | null {
  for (const p of [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (p && existsSync(p)) return p
  return null
}
const chromium = chromiumPath()
if (chromium === null) console.log('htmlReport.test: browser tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM)')

describe('reportData / htmlReport', () => {
  test('the divergent folio comes first, with its divergence as worked out by hand', async () => {
    const d = reportData(traceOf('cow-pte-mapped-thp'), await schemes(), 'cow-pte-mapped-thp')
    expect(d.events).toBe(19)
    expect(d.divergentFolios).toBe(1)
    // broken-pmd-split keeps the PMD's count at the split (event 7) and stays one too high on every later
    // event naming the THP: 7 (split), 12, 13, 14 (fork's three VMA copies), 15 (p1's COW) = 5 points
    expect(d.schemes.map((s) => [s.id, s.divergences])).toEqual([['linux-6.12', 0], ['broken-pmd-split', 5]])
    const f = d.folios[0]!
    expect([f.pfn, f.why, f.shape]).toEqual([THP, 'divergent', 'order 9 anon'])
    expect(f.marks).toEqual([{ index: 7, type: 'pmd/remapped', cause: expect.stringMatching(/cow-pte-mapped-thp\.scenario:6$/), scheme: 'broken-pmd-split', answer: 513, truth: 512 }])
    // the truth's changes (see perfettoExport.test.ts): 0, 1, 512, 513, 514, 1024, 1023
    expect(f.points.filter((p) => p.series === 'truth').map((p) => p.value)).toEqual([0, 1, 512, 513, 514, 1024, 1023])
    // zero pages are never "busiest"
    expect(d.folios.every((x) => !/zero/.test(x.shape))).toBe(true)
  })

  test('the HTML is self-contained: inline SVG plots, no script, no external reference', async () => {
    const html = await htmlReport(reportData(traceOf('cow-pte-mapped-thp'), await schemes(), 'cow-pte-mapped-thp'))
    expect(html).not.toMatch(/<script|<link|<img|src=/i)
    // the only URLs are the SVG namespaces
    expect(new Set(html.match(/https?:\/\/[^"' )]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']))
    // one timeline per folio + the atomics and cache-line bars (no HVO conflicts here)
    const d = reportData(traceOf('cow-pte-mapped-thp'), await schemes(), 'x')
    expect(html.match(/<svg /g)).toHaveLength(d.folios.length + 2)
    // the marker links to the row naming the event and its cause
    const id = markId(THP, 7, 'broken-pmd-split')
    expect(html).toContain(`<a xlink:href="#${id}">`)
    expect(html).toMatch(new RegExp(`<tr id="${id}" class="divergence"><td>7</td><td class="l">pmd/remapped</td><td class="l">[^<]*cow-pte-mapped-thp\\.scenario:6</td>`))
  })

  test('HVO writes are shown beside the HVO conflicts: in the summary, as bars and per event type (worked by hand)', async () => {
    const file = fileURLToPath(new URL('../../../traces/hgm/hgm-walkthrough.scenario', import.meta.url))
    const r = simulateScenario(parseScenario(readFileSync(file, 'utf8'), file))
    const path = join(dir, 'hgm-walkthrough.mmtrace')
    const w = new TraceWriter(path, { kind: 'scenario', name: 'hgm-walkthrough' })
    w.writeAll(r.events)
    w.close()
    const d = reportData(path, [...(await loadStrategies('hgm-v2-thp-like')), ...(await loadStrategies('hgm-hstate-once'))], 'hgm-walkthrough')
    const html = await htmlReport(d)
    // hgm-v2-thp-like writes the subpage _mapcount of each 4K HGM page; struct pages are 64 bytes, 64 to a
    // vmemmap page, so F+0, F+1, F+3 lie in vmemmap page 0 (kept writable by HVO) and F+256, F+257 in page 4
    // (freed, read-only): p1's two continues at 1M (rmapAdded) and the collapse zapping them (rmapRemoved)
    // are 4 events writing one HVO-freed struct page each. hgm-hstate-once writes only the head: 0.
    expect(html).toContain('<th>HVO conflicts</th><th>HVO writes</th><th>bad page states</th>')
    expect(html).toMatch(/<td class="l">hgm-v2-thp-like<\/td>.*?<td>4<\/td><td>4<\/td><td class="">0<\/td><\/tr>/)
    expect(html).toMatch(/<td class="l">hgm-hstate-once<\/td>.*?<td>0<\/td><td>0<\/td><td class="">0<\/td><\/tr>/)
    expect(html).toContain('<th>HVO conflicts</th><th>HVO writes</th></tr>')
    for (const type of ['hugetlb/hgmRmapAdded', 'hugetlb/hgmRmapRemoved'])
      expect(html).toMatch(new RegExp(`<td class="l">hgm-v2-thp-like</td><td class="l">${type}</td><td>\\d+</td>(<td>\\d+</td>){4}<td>2</td><td>2</td></tr>`))
    // timelines + atomics + cache lines + HVO conflicts + HVO writes
    expect(html.match(/<svg /g)).toHaveLength(d.folios.length + 4)
    expect(html).toContain('HVO writes</text>')
  })

  test.skipIf(chromium === null)('headless Chromium renders it without console errors, shows the divergence, and the marker leads to its row (screenshots)', async () => {
    const { chromium: pw } = await import('playwright-core')
    const file = join(dir, 'report.html')
    writeFileSync(file, await htmlReport(reportData(traceOf('cow-pte-mapped-thp'), await schemes(), 'cow-pte-mapped-thp')))
    const browser = await pw.launch({ executablePath: chromium!, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      const errors: string[] = []
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
      page.on('pageerror', (e) => void errors.push(String(e)))
      page.on('request', (r) => void (r.url().startsWith('file:') || errors.push(`network request ${r.url()}`)))
      await page.goto('file://' + file)
      expect(await page.locator('#divergent-count').textContent()).toBe('1')
      const section = page.locator(`#folio-0x${THP.toString(16)}`)
      await expect(section.locator('svg').isVisible()).resolves.toBe(true)
      const box = await section.locator('svg').boundingBox()
      expect(box!.width).toBeGreaterThan(600)
      const row = page.locator(`tr#${markId(THP, 7, 'broken-pmd-split')}`)
      expect(await row.isVisible()).toBe(true)
      expect(await row.innerText()).toMatch(/7\s+pmd\/remapped\s+\S+cow-pte-mapped-thp\.scenario:6\s+broken-pmd-split\s+513\s+512/)
      const shot = await section.screenshot({ path: join(dir, 'folio.png') })
      expect(shot.subarray(1, 4).toString()).toBe('PNG')
      expect(shot.length).toBeGreaterThan(10_000)
      // click the red divergence rule: the row becomes the :target (highlighted)
      // browser-side code as strings: this project's TypeScript has no DOM types
      const id = markId(THP, 7, 'broken-pmd-split')
      const rule = (await page.evaluate(`(() => {
        const a = [...document.querySelectorAll('svg a')].find((x) => (x.getAttribute('xlink:href') ?? x.getAttribute('href')) === '#${id}')
        const r = a?.querySelector('line')?.getBoundingClientRect()
        return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null
      })()`)) as { x: number; y: number } | null
      expect(rule).not.toBeNull()
      await page.mouse.click(rule!.x, rule!.y)
      await page.waitForFunction(`location.hash === '#${id}'`)
      type Styles = { getComputedStyle(el: unknown): { backgroundColor: string } }
      expect(await row.evaluate((el: unknown) => (globalThis as unknown as Styles).getComputedStyle(el).backgroundColor)).toBe('rgb(255, 233, 168)')
      await page.screenshot({ path: join(dir, 'after-click.png') })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
