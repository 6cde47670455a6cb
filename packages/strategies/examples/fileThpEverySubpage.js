// @ts-check
/**
 * Example mmsim strategy plugin: "file-thp-every-subpage" — the ≤ v6.1 rule for PMD-mapped file THPs
 * (docs/mapcount-schemes.md §1.3.4), applied to every folio: every mapping is counted in every page it
 * covers, so a PMD (or HugeTLB) entry increments all 512 subpage `_mapcount`s, besides a compound count in
 * page[1]. The per-page counts are exact, and the cost table shows the price — 513 atomics per PMD map, and
 * with HVO on 448 writes to struct pages HVO remapped read-only (HVO conflicts).
 *
 * It is an example of the plugin interface, not of any HGM proposal: the HGM schemes are built in
 * (`hgm-v1`, `hgm-v2-thp-like`, `hgm-hstate-once`, `total-mapped-pages`; `mmsim strategies`). It has no rule
 * for HGM entries (`hugetlb/hgm*` events are not in its `handles`), so it must not be used on HGM traces.
 *
 * How to use:   mmsim replay trace.mmtrace --strategy linux-6.15,./packages/strategies/examples/fileThpEverySubpage.js
 *
 * A plugin is an ES module exporting one object with the Strategy interface of @mmsim/strategies
 * (packages/strategies/src/strategy.ts) as `default` (or `strategy`, or an array `strategies`). It may not
 * import mmsim's packages (it is loaded from anywhere), so this file is self-contained plain JavaScript.
 * The state is mutable (init/apply/snapshot/restore); queries take the state first. Zero pages read 0.
 * mmsim calls every method behind a boundary (packages/strategies/README.md, Plugins): apply() gets a frozen
 * copy of the event, counts must be non-negative integers (or null where the interface allows it), and a
 * throw, an answer of the wrong kind or a call over MMSIM_PLUGIN_BUDGET_MS is one line naming the plugin,
 * the call and the event index.
 */

const HVO_KEPT_STRUCT_PAGES = 64 // 6.18 HVO keeps the first vmemmap page: 4096 / 64 struct pages

/** @typedef {{ kind: string, order: number, n: number, mc: Int32Array, entire: number, ptes: number, pae: Uint8Array, hvo: boolean }} Folio */
/** @typedef {{ events: number, atomics: number, paeBitops: number, cacheLines: number, bitLocks: number, hvoConflicts: number, hvoWrites: number }} CostRow */
/** @typedef {{ folios: Map<number, Folio>, costs: Map<string, CostRow>, bad: string[] }} State */

/** @param {string} kind @param {number} order @returns {Folio} */
function newFolio(kind, order) {
  const n = 2 ** order
  return { kind, order, n, mc: new Int32Array(n), entire: 0, ptes: 0, pae: new Uint8Array(n), hvo: false }
}

/** @param {Folio} f @returns {Folio} */
function cloneFolio(f) {
  return { ...f, mc: f.mc.slice(), pae: f.pae.slice() }
}

/** per-event cost accounting */
class Meter {
  /** @param {CostRow} row @param {Folio} f */
  constructor(row, f) {
    this.row = row
    this.f = f
    /** @type {Set<number>} */
    this.lines = new Set()
    this.hvoHit = false
  }
  /** @param {number} line */
  touch(line) {
    if (this.lines.has(line)) return
    this.lines.add(line)
    this.row.cacheLines++
    if (this.f.hvo && line >= HVO_KEPT_STRUCT_PAGES) {
      this.row.hvoConflicts++
      if (!this.hvoHit) this.row.hvoWrites++ // the event wrote a read-only struct page
      this.hvoHit = true
    }
  }
  /** @param {number} line */
  rmw(line) {
    this.row.atomics++
    this.touch(line)
  }
  /** @param {number} line @param {0|1} v */
  pae(line, v) {
    if (this.f.pae[line] === v) return
    this.f.pae[line] = v
    this.row.paeBitops++
    this.touch(line)
  }
}

/** @param {Folio} f @param {Meter} m @param {number} i @param {number} n @param {string} level @param {1|-1} d */
function change(f, m, i, n, level, d) {
  if (level === 'pte') {
    for (let k = i; k < i + n; k++) {
      m.rmw(k)
      f.mc[k] += d
    }
    m.rmw(1) // a folio-wide PTE count in page[1], like _large_mapcount
    f.ptes += d * n
    return
  }
  m.rmw(1)
  f.entire += d
  for (let k = 0; k < f.n; k++) {
    m.rmw(k)
    f.mc[k] += d
  }
}

const HANDLES = new Set([
  'folio/allocated', 'folio/freed', 'folio/split', 'folio/migrated', 'rmap/newAnonAdded', 'rmap/anonAdded', 'rmap/fileAdded',
  'rmap/removed', 'rmap/anonDuplicated', 'rmap/fileDuplicated', 'rmap/anonShared', 'rmap/anonReused', 'pmd/remapped',
  'hugetlb/rmapAdded', 'hugetlb/rmapRemoved', 'hugetlb/anonDuplicated', 'hugetlb/poolGrown', 'hugetlb/poolShrunk',
  'hvo/optimized', 'hvo/restored',
])

/** @param {State} s @param {number} pfn @returns {{ f: Folio, i: number } | undefined} */
function folioOf(s, pfn) {
  for (let o = 0; o <= 18; o++) {
    const head = pfn - (pfn % 2 ** o)
    const f = s.folios.get(head)
    if (f !== undefined && f.order >= o) return { f, i: pfn - head }
  }
  return undefined
}

/** @param {Folio} f */
const isZero = (f) => f.kind === 'zero' || f.kind === 'hugezero'

const strategy = {
  id: 'file-thp-every-subpage',
  description: {
    kernels: 'example plugin: the ≤ v6.1 file-THP rule applied to every folio',
    summary: 'example plugin: every entry counted in every page it covers (a PMD in all 512 subpage _mapcounts)',
    words: { 'page[1]': 'entire and PTE counts', 'every page': '_mapcount on every map/unmap, PMD and HugeTLB included; flags (PAE)' },
    hugetlb: 'a HugeTLB entry increments all subpage _mapcounts (as ≤ v6.1 did for file THPs): incompatible with HVO; no HGM rule',
  },
  handles: HANDLES,
  precision: { mappedShared: 'maybe', partiallyMapped: 'exact' },

  /** @returns {State} */
  init() {
    return { folios: new Map(), costs: new Map(), bad: [] }
  },

  /** @param {State} s @param {any} e @param {{ folio(pfn: number): any }} truth */
  apply(s, e, truth) {
    let row = s.costs.get(e.type)
    if (row === undefined) {
      row = { events: 0, atomics: 0, paeBitops: 0, cacheLines: 0, bitLocks: 0, hvoConflicts: 0, hvoWrites: 0 }
      s.costs.set(e.type, row)
    }
    row.events++
    switch (e.type) {
      case 'folio/allocated': s.folios.set(e.folio, newFolio(e.kind, e.order)); return
      case 'hugetlb/poolGrown': s.folios.set(e.folio, newFolio('hugetlb', e.order)); return
      case 'folio/freed':
      case 'hugetlb/poolShrunk': {
        const f = s.folios.get(e.folio)
        if (f !== undefined && (f.entire !== 0 || f.ptes !== 0 || f.mc.some((c) => c !== 0))) s.bad.push(`file-thp-every-subpage: folio ${e.folio} freed while mapped`)
        s.folios.delete(e.folio)
        return
      }
      case 'folio/migrated': {
        const f = s.folios.get(e.folio)
        if (f === undefined) return
        s.folios.delete(e.folio)
        const nf = newFolio(f.kind, f.order)
        nf.pae = f.pae.slice()
        nf.hvo = f.hvo
        s.folios.set(e.newFolio, nf)
        return
      }
      case 'folio/split': {
        const f = s.folios.get(e.folio)
        if (f === undefined) return
        s.folios.delete(e.folio)
        const n = 2 ** e.newOrder
        for (let h = e.folio; h < e.folio + f.n; h += n) {
          const nf = newFolio(f.kind, e.newOrder)
          const rec = truth.folio(h)
          if (rec?.pageMaps) nf.mc.set(rec.pageMaps)
          if (rec?.exclusive) nf.pae.set(rec.exclusive)
          nf.ptes = nf.mc.reduce((a, b) => a + b, 0)
          s.folios.set(h, nf)
        }
        return
      }
      case 'hvo/optimized':
      case 'hvo/restored': {
        const f = s.folios.get(e.folio)
        if (f !== undefined) f.hvo = e.type === 'hvo/optimized'
        return
      }
    }
    const f = s.folios.get(e.folio)
    if (f === undefined) return
    const m = new Meter(row, f)
    const i = (e.page ?? e.folio) - e.folio
    switch (e.type) {
      case 'rmap/newAnonAdded':
      case 'rmap/anonAdded':
      case 'rmap/fileAdded':
        change(f, m, i, e.nrPages, e.level, 1)
        if (e.type === 'rmap/newAnonAdded' || e.exclusive) {
          const last = e.level === 'pte' ? i + e.nrPages : i + 1
          for (let k = i; k < last; k++) m.pae(k, 1)
        }
        return
      case 'rmap/removed': change(f, m, i, e.nrPages, e.level, -1); return
      case 'rmap/anonDuplicated':
      case 'rmap/fileDuplicated':
        for (let k = i; k < (e.level === 'pte' ? i + e.nrPages : i + 1); k++) m.pae(k, 0)
        change(f, m, i, e.nrPages, e.level, 1)
        return
      case 'rmap/anonShared': for (let k = i; k < i + e.nrPages; k++) m.pae(k, 0); return
      case 'rmap/anonReused': for (let k = i; k < i + e.nrPages; k++) m.pae(k, 1); return
      case 'pmd/remapped': {
        const excl = f.kind === 'anon' && f.pae[0] === 1
        change(f, m, 0, f.n, 'pte', 1)
        change(f, m, 0, f.n, 'pmd', -1)
        if (excl) for (let k = 0; k < f.n; k++) m.pae(k, 1)
        return
      }
      case 'hugetlb/rmapAdded':
        change(f, m, 0, f.n, 'pmd', 1)
        if (e.mode === 'newAnon' || (e.mode === 'anon' && e.exclusive)) m.pae(0, 1)
        return
      case 'hugetlb/anonDuplicated': m.pae(0, 0); change(f, m, 0, f.n, 'pmd', 1); return
      case 'hugetlb/rmapRemoved': change(f, m, 0, f.n, 'pmd', -1); return
    }
  },

  /** @param {State} s @returns {State} */
  snapshot(s) {
    const folios = new Map()
    for (const [k, f] of s.folios) folios.set(k, cloneFolio(f))
    const costs = new Map()
    for (const [k, r] of s.costs) costs.set(k, { ...r })
    return { folios, costs, bad: s.bad.slice() }
  },
  /** @param {State} snap @returns {State} */
  restore(snap) {
    return strategy.snapshot(snap)
  },

  /** @param {State} s @param {number} folio */
  folioMapcount(s, folio) {
    const f = s.folios.get(folio)
    return f === undefined || isZero(f) ? 0 : f.entire + f.ptes
  },
  /** @param {State} s @param {number} pfn */
  pageMapcount(s, pfn) {
    const x = folioOf(s, pfn)
    return x === undefined || isZero(x.f) ? 0 : x.f.mc[x.i]
  },
  /** @param {State} s @param {number} folio */
  entireMapcount(s, folio) {
    const f = s.folios.get(folio)
    return f === undefined || isZero(f) || f.order === 0 ? 0 : f.entire
  },
  /** @param {State} s @param {number} folio */
  nrPagesMapped(s, folio) {
    const f = s.folios.get(folio)
    return f === undefined || isZero(f) ? 0 : f.mc.reduce((a, c) => a + (c > 0 ? 1 : 0), 0)
  },
  /** two or more entries may belong to two processes: a "maybe", never a false negative @param {State} s @param {number} folio */
  mappedShared(s, folio) {
    return strategy.folioMapcount(s, folio) > 1
  },
  /** @param {State} s @param {number} pfn */
  anonExclusive(s, pfn) {
    const x = folioOf(s, pfn)
    return x !== undefined && x.f.pae[x.i] === 1
  },
  /** exact: some but not all pages mapped, no PMD @param {State} s @param {number} folio */
  partiallyMapped(s, folio) {
    const f = s.folios.get(folio)
    if (f === undefined || f.kind !== 'anon' || f.order === 0) return null
    const mapped = strategy.nrPagesMapped(s, folio)
    return f.entire === 0 && mapped > 0 && mapped < f.n
  },
  /** @param {State} s @param {number} pfn */
  kpagecount(s, pfn) {
    return /** @type {number} */ (strategy.pageMapcount(s, pfn))
  },
  /** @param {State} s @param {number} pfn @param {string} _level */
  pagemapExclusive(s, pfn, _level) {
    return strategy.pageMapcount(s, pfn) === 1
  },
  /** @param {State} s */
  costs(s) {
    return s.costs
  },
  /** @param {State} s */
  freeViolations(s) {
    return s.bad
  },
}

export default strategy
