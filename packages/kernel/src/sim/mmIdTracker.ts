import { addReturnLargeMapcount, assertNever, CHUNK_PAGES, HPAGE_PMD_NR, KIND, maybeMappedShared, type MmEvent, type MmIdSlots, subReturnLargeMapcount, type TruthState } from '@mmsim/core'

const MASK = CHUNK_PAGES - 1

/** mmIdOf - the `mm->mm_id` of process @pid (0 is MM_ID_DUMMY, a free slot; the schemes use the same numbering). */
const mmIdOf = (pid: number): number => pid + 1

/** freeSlots - the words of a large folio no mm maps (folio_set_large_mapcount() not yet run). */
const freeSlots = (): MmIdSlots => ({ large: -1, mmId0: 0, mmCnt0: -1, mmId1: 0, mmCnt1: -1, shared: false })
/** Reader - what the tracker needs of the simulator's state: the ground truth after the event. */
interface Reader {
  truth: TruthState
}

/**
 * MmIdTracker - the MM-ID "mapped shared" tracking of large folios (CONFIG_MM_ID) in the simulated kernel:
 * per large folio the words of @mmsim/core's rules/mmIdSlots (the one home of the rule, which the
 * linux-6.15 schemes run too), updated on every rmap change. `_large_mapcount` is taken from the ground
 * truth before each update (the truth has already applied the event), so the slots follow the truth even
 * across events the tracker does not see. It decides COW reuse of large anon folios.
 * @see folio_add_return_large_mapcount(), folio_sub_return_large_mapcount() — include/linux/rmap.h
 */
export class MmIdTracker {
  private readonly slots = new Map<number, MmIdSlots>()

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
        return this.add(r, e.folio, e.pid, HPAGE_PMD_NR - 1)
      case 'folio/freed':
        this.slots.delete(e.folio)
        return
      case 'folio/split':
        return this.resplit(r, e.folio, e.newOrder)
      case 'process/created':
      case 'process/forked':
      case 'process/exited':
      case 'vma/mapped':
      case 'vma/unmapped':
      case 'vma/moved':
      case 'vma/protected':
      case 'vma/advised':
      case 'folio/allocated':
      case 'folio/migrated':
      case 'folio/splitFailed':
      case 'rmap/anonShared':
      case 'rmap/anonReused':
      case 'collapse/completed':
      case 'zeropage/mapped':
      case 'zeropage/unmapped':
      case 'hugetlb/rmapAdded':
      case 'hugetlb/rmapRemoved':
      case 'hugetlb/anonDuplicated':
      case 'hugetlb/poolGrown':
      case 'hugetlb/poolShrunk':
      case 'hvo/optimized':
      case 'hvo/restored':
      case 'check/marked':
      case 'hugetlb/hgmEnabled':
      case 'hugetlb/hgmRmapAdded':
      case 'hugetlb/hgmRmapRemoved':
      case 'hugetlb/hgmTableAllocated':
        return
      default:
        return assertNever(e, 'event type')
    }
  }

  /** mappedShared - folio_maybe_mapped_shared() of the live folio @f ({order, kind, ptes, entire}, head @pfn). */
  mappedShared(f: { pfn: number; order: number; kind: string; ptes: number; entire: number }): boolean {
    const total = f.ptes + f.entire
    if (f.order === 0 || f.kind === 'hugetlb') return total > 1
    if (total <= 1) return false
    const s = this.slots.get(f.pfn)
    return s !== undefined && maybeMappedShared(s)
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

  private get(pfn: number): MmIdSlots {
    let s = this.slots.get(pfn)
    if (s === undefined) this.slots.set(pfn, (s = freeSlots()))
    return s
  }

  /** add - @diff more mappings of folio @pfn by process @pid; the truth's count already includes them. */
  private add(r: Reader, pfn: number, pid: number, diff: number): void {
    const total = this.tracked(r, pfn)
    if (total < 0) return
    const s = this.get(pfn)
    s.large = total - diff - 1
    addReturnLargeMapcount(s, diff, mmIdOf(pid))
  }

  /** sub - @diff fewer mappings of folio @pfn by process @pid; the truth's count already lacks them. */
  private sub(r: Reader, pfn: number, pid: number, diff: number): void {
    const total = this.tracked(r, pfn)
    if (total < 0) return
    const s = this.get(pfn)
    s.large = total + diff - 1
    subReturnLargeMapcount(s, diff, mmIdOf(pid))
  }

  /**
   * resplit - the split unmapped and remapped every page (remap_page()): each new large folio's slots are
   * rebuilt from its owners in pid order, the first two tracked, the shared bit set when more than one maps it.
   */
  private resplit(r: Reader, pfn: number, newOrder: number): void {
    const old = this.slots.get(pfn)
    this.slots.delete(pfn)
    if (newOrder === 0 || old === undefined) return
    const folios = r.truth.folios
    if (folios.headOrder(pfn) < 0) return
    for (let p = pfn; ; p += 2 ** newOrder) {
      if (folios.headOrder(p) !== newOrder) break
      const owners = folios.chunk(p)!.ownerList(p & MASK)
      const s = this.get(p)
      for (let i = 0; i < owners.length; i += 2) {
        s.large += owners[i + 1]!
        if (i === 0) [s.mmId0, s.mmCnt0] = [mmIdOf(owners[0]!), owners[1]! - 1]
        else if (i === 2) [s.mmId1, s.mmCnt1] = [mmIdOf(owners[2]!), owners[3]! - 1]
      }
      s.shared = owners.length > 2
    }
  }
}
