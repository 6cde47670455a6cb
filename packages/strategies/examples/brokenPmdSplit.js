// @ts-check
/**
 * Deliberately BROKEN example plugin: "broken-pmd-split" — the "file-thp-every-subpage" scheme of
 * fileThpEverySubpage.js with one bug planted for `mmsim bisect --truth` and `mmsim shrink` to find: when a
 * PMD mapping is split into PTEs (pmd/remapped, __split_huge_pmd_locked()) it adds the 512 PTE mappings but
 * forgets to drop the PMD one, so folio_mapcount() and every page's mapcount stay one too high from that
 * event on (and the folio is "freed while mapped" later). Everything else is the correct scheme, reused.
 *
 * How to find it:  mmsim bisect traces/scenarios/cow-pte-mapped-thp.scenario --a ./packages/strategies/examples/brokenPmdSplit.js --truth
 * How to shrink:   mmsim shrink traces/scenarios/cow-pte-mapped-thp.scenario --a ./packages/strategies/examples/brokenPmdSplit.js --truth -o min.scenario
 */
import hgm from './fileThpEverySubpage.js'

/** @type {typeof hgm} */
const strategy = {
  ...hgm,
  id: 'broken-pmd-split',
  description: {
    ...hgm.description,
    summary: 'BROKEN example plugin: file-thp-every-subpage that forgets the PMD decrement when a PMD is split into PTEs',
  },
  apply(s, e, truth) {
    hgm.apply(s, e, truth)
    if (e.type === 'pmd/remapped') {
      // BUG (deliberate): the PMD mapping is gone, but its count is put back (the decrement "forgotten")
      const f = s.folios.get(e.folio)
      if (f !== undefined) {
        f.entire++
        for (let k = 0; k < f.n; k++) f.mc[k]++
      }
    }
  },
}

export default strategy
