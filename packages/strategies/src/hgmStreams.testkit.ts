import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, mulberry32, type MmEvent } from '@mmsim/core'
import { alloc, hgmAdd, hgmEnable, hgmRemove, hugeAdd, hugeRemove, hvo, proc, vma } from './testEvents.ts'

/**
 * hgmStream - a seeded random *valid* HGM event stream (a test kit for the HGM schemes and the Linux schemes'
 * HGM notices): @procs processes share @folios 2 MiB HugeTLB folios (HVO on for the even ones) through a
 * shared HugeTLB VMA each with HGM enabled (MADV_SPLIT); steps map or unmap single 4 KiB HGM entries,
 * collapse a process's range (its HGM entries removed, one huge PMD entry added: MADV_COLLAPSE) or drop its
 * huge entry; at the end every mapping goes and the folios are freed. Bookkeeping mirrors the page tables,
 * so every event keeps its precondition (the streams are fed with requireValid).
 */
export function hgmStream(seed: number, steps = 300, procs = 3, folios = 2): MmEvent[] {
  const rnd = mulberry32(seed)
  const pick = (n: number): number => Math.floor(rnd() * n)
  const N = HPAGE_PMD_NR
  const vbase = (p: number, k: number): number => 0x100000 * (p + 1) + k * N
  const fbase = (k: number): number => 0x40000 + k * N
  const out: MmEvent[] = []
  // per (process, folio): mapped 4 KiB pages, or 'huge'
  const ptes: Set<number>[][] = []
  const huge: boolean[][] = []
  for (let p = 1; p <= procs; p++) {
    out.push(proc(p), vma(p, vbase(p, 0), folios * N, 'hugetlb'), hgmEnable(p, vbase(p, 0), folios * N))
    ptes[p] = Array.from({ length: folios }, () => new Set<number>())
    huge[p] = Array.from({ length: folios }, () => false)
  }
  for (let k = 0; k < folios; k++) {
    out.push(alloc(fbase(k), HPAGE_PMD_ORDER, 'hugetlb'))
    if (k % 2 === 0) out.push(hvo(fbase(k), true))
  }
  for (let s = 0; s < steps; s++) {
    const p = 1 + pick(procs)
    const k = pick(folios)
    const set = ptes[p]![k]!
    const r = rnd()
    if (huge[p]![k]) {
      if (r < 0.3) {
        out.push(hugeRemove(p, vbase(p, k), fbase(k)))
        huge[p]![k] = false
      }
      continue
    }
    if (r < 0.6) {
      // UFFDIO_CONTINUE of a 4 KiB page (pages 0..3 and 100..103 often: struct pages on both sides of HVO's kept 64)
      const i = rnd() < 0.5 ? pick(4) + (rnd() < 0.5 ? 0 : 100) : pick(N)
      if (!set.has(i)) {
        out.push(hgmAdd(p, vbase(p, k) + i, fbase(k), fbase(k) + i))
        set.add(i)
      }
    } else if (r < 0.9) {
      const i = [...set][pick(set.size)]
      if (i !== undefined) {
        out.push(hgmRemove(p, vbase(p, k) + i, fbase(k), fbase(k) + i))
        set.delete(i)
      }
    } else {
      // MADV_COLLAPSE: the HGM entries go, one huge entry maps the folio
      for (const i of set) out.push(hgmRemove(p, vbase(p, k) + i, fbase(k), fbase(k) + i))
      set.clear()
      out.push(hugeAdd(p, vbase(p, k), fbase(k), 'file'))
      huge[p]![k] = true
    }
  }
  for (let p = 1; p <= procs; p++) {
    for (let k = 0; k < folios; k++) {
      for (const i of ptes[p]![k]!) out.push(hgmRemove(p, vbase(p, k) + i, fbase(k), fbase(k) + i))
      if (huge[p]![k]) out.push(hugeRemove(p, vbase(p, k), fbase(k)))
    }
  }
  for (let k = 0; k < folios; k++) {
    if (k % 2 === 0) out.push(hvo(fbase(k), false))
    out.push({ type: 'hugetlb/poolShrunk', folio: fbase(k), cause: 'test' } as MmEvent)
  }
  return out
}
