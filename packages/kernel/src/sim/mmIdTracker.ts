import { CHUNK_PAGES, KIND, type MmEvent, type TruthState } from '@mmsim/core'

interface Slots {
  ids: [number, number]
  counts: [number, number]
  shared: boolean
}

const NONE = -1

const MASK = CHUNK_PAGES - 1

/** Reader - what the tracker needs of the simulator's state: the ground truth after the event. */
interface Reader {
  truth: TruthState
}

/**
 * MmIdTracker - the MM-ID "mapped shared" tracking of large folios (CONFIG_MM_ID): two (mm, mapcount)
 * slots and the shared bit, updated on every rmap change exactly as the kernel does. The bit is set when
 * a second mm maps the folio and cleared only when an mm drops its last mapping and one slot's count
 * equals the folio's total. It decides COW reuse of large anon folios.
 * @see folio_add_return_large_mapcount(), folio_sub_return_large_mapcount() — include/linux/rmap.h
 */
export class MmIdTracker {
  private readonly slots = new Map<number, Slots>()

  /** after - update the slots of the folio that event @e changed. */
  after(r: Reader, e: MmEvent): void {
    switch (e.type) {
      case 'rmap/newAnonAdded':
      case 'rmap/anonAdded':
      case 'rmap/fileAdded':
        return this.add(r, e.folio, e.pid, e.level === 'pte' ? e.nrPages : 1)
      case 'rmap/anonDuplicated':
      case 'rmap/fileDuplicated':
        return this.add(r, e.folio, e.child, e.level === 'pte' ? e.nrPages : 1)
      case 'rmap/removed':
        return this.sub(r, e.folio, e.pid, e.level === 'pte' ? e.nrPages : 1)
      case 'pmd/remapped':
        return this.add(r, e.folio, e.pid, 511)
      case 'folio/freed':
        this.slots.delete(e.folio)
        return
      case 'folio/split':
        return this.resplit(r, e.folio, e.newOrder)
      default:
    }
  }

  /** mappedShared - folio_maybe_mapped_shared() of the live folio @f ({order, kind, ptes, entire}, head @pfn). */
  mappedShared(f: { pfn: number; order: number; kind: string; ptes: number; entire: number }): boolean {
    const total = f.ptes + f.entire
    if (f.order === 0 || f.kind === 'hugetlb') return total > 1
    if (total <= 1) return false
    return this.slots.get(f.pfn)?.shared ?? false
  }

  /** sharedBit - the raw FOLIO_MM_IDS_SHARED bit of large folio @head. */
  sharedBit(head: number): boolean {
    if (this.slots.size === 0) return false
    return this.slots.get(head)?.shared ?? false
  }

  /** tracked - the folio_mapcount() of folio @pfn if it is a large folio with MM-ID slots, else -1. */
  private tracked(r: Reader, pfn: number): number {
    const folios = r.truth.folios
    const order = folios.orderAt(pfn)
    if (order <= 0 || pfn % (1 << order) !== 0) return -1
    const c = folios.chunk(pfn)!
    const j = pfn & MASK
    const kind = c.kind[j]!
    if (kind === KIND.hugetlb || kind === KIND.zero || kind === KIND.hugezero) return -1
    return c.ptes[j]! + c.entire[j]!
  }

  private get(pfn: number): Slots {
    let s = this.slots.get(pfn)
    if (s === undefined) this.slots.set(pfn, (s = { ids: [NONE, NONE], counts: [0, 0], shared: false }))
    return s
  }

  private add(r: Reader, pfn: number, mm: number, diff: number): void {
    const total = this.tracked(r, pfn)
    if (total < 0) return
    const s = this.get(pfn)
    if (s.ids[0] === mm) s.counts[0] += diff
    else if (s.ids[1] === mm) s.counts[1] += diff
    else if (s.ids[0] === NONE) {
      s.ids[0] = mm
      s.counts[0] = diff
      if (total !== diff) s.shared = true
    } else if (s.ids[1] === NONE) {
      s.ids[1] = mm
      s.counts[1] = diff
      s.shared = true
    }
  }

  private sub(r: Reader, pfn: number, mm: number, diff: number): void {
    const total = this.tracked(r, pfn)
    if (total < 0) return
    const s = this.get(pfn)
    for (let i = 0; i < 2; i++) {
      if (s.ids[i] !== mm) continue
      s.counts[i]! -= diff
      if (s.counts[i]! > 0) return
      s.ids[i] = NONE
      s.counts[i] = 0
      break
    }
    if (total === s.counts[0] || total === s.counts[1]) s.shared = false
  }

  private resplit(r: Reader, pfn: number, newOrder: number): void {
    const old = this.slots.get(pfn)
    this.slots.delete(pfn)
    if (newOrder === 0 || old === undefined) return
    const folios = r.truth.folios
    if (folios.headOrder(pfn) < 0) return
    // the split unmapped and remapped every page: rebuild each new folio's slots from its owners
    for (let p = pfn; ; p += 2 ** newOrder) {
      if (folios.headOrder(p) !== newOrder) break
      const owners = folios.chunk(p)!.ownerList(p & MASK)
      const s = this.get(p)
      for (let i = 0; i < owners.length && i < 4; i += 2) {
        s.ids[i / 2] = owners[i]!
        s.counts[i / 2] = owners[i + 1]!
      }
      s.shared = owners.length > 2
    }
  }
}
