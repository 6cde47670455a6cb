/**
 * The v6.15+ MM owner tracking of docs/mapcount-schemes.md §4.2 (include/linux/rmap.h::
 * folio_{set,add_return,sub_return}_large_mapcount, CONFIG_MM_ID), as plain state updates — the one home
 * of this rule: the linux-6.15 schemes run it on their struct-page words, the simulated kernel on its
 * own slots (COW reuse of large anon folios asks folio_maybe_mapped_shared()). In the kernel it runs
 * under the folio's `_mm_ids` bit-spinlock: a scheme charges that one RMW; everything here is plain
 * stores. Not for HugeTLB folios, which have no MM slots.
 */

/**
 * MmIdSlots - the words of a large folio the rule reads and writes, in the kernel's raw encoding:
 * @large: `_large_mapcount` (logical count − 1, −1 when unmapped);
 * @mmId0/@mmId1: `_mm_id[]` (0 = free slot); @mmCnt0/@mmCnt1: `_mm_id_mapcount[]` (−1 when free);
 * @shared: FOLIO_MM_IDS_SHARED_BIT.
 */
export interface MmIdSlots {
  large: number
  mmId0: number
  mmCnt0: number
  mmId1: number
  mmCnt1: number
  shared: boolean
}

/** setLargeMapcount - folio_set_large_mapcount(): a new folio mapped @m times, all by @mm. */
export function setLargeMapcount(f: MmIdSlots, m: number, mm: number): void {
  f.large = m - 1
  f.mmCnt0 = m - 1
  f.mmId0 = mm
}

/** addReturnLargeMapcount - folio_add_return_large_mapcount(): @d more mappings by @mm; the logical count after. */
export function addReturnLargeMapcount(f: MmIdSlots, d: number, mm: number): number {
  const newRaw = f.large + d
  f.large = newRaw
  if (f.mmId0 === mm) f.mmCnt0 += d
  else if (f.mmId1 === mm) f.mmCnt1 += d
  else if (f.mmId0 === 0) {
    f.mmId0 = mm
    f.mmCnt0 = d - 1
    if (newRaw !== d - 1) f.shared = true
  } else if (f.mmId1 === 0) {
    f.mmId1 = mm
    f.mmCnt1 = d - 1
    f.shared = true
  }
  // else: no free slot, the mapping is untracked (the shared bit is already set)
  return newRaw + 1
}

/** subReturnLargeMapcount - folio_sub_return_large_mapcount(): @d fewer mappings by @mm; the logical count after. */
export function subReturnLargeMapcount(f: MmIdSlots, d: number, mm: number): number {
  const newRaw = f.large - d
  f.large = newRaw
  if (f.mmId0 === mm) {
    f.mmCnt0 -= d
    if (f.mmCnt0 >= 0) return newRaw + 1
    f.mmCnt0 = -1
    f.mmId0 = 0
  } else if (f.mmId1 === mm) {
    f.mmCnt1 -= d
    if (f.mmCnt1 >= 0) return newRaw + 1
    f.mmCnt1 = -1
    f.mmId1 = 0
  }
  // @mm was untracked, or its slot just became free: re-evaluate the shared bit
  if (f.mmCnt0 === newRaw || f.mmCnt1 === newRaw) f.shared = false
  return newRaw + 1
}

/** maybeMappedShared - folio_maybe_mapped_shared() of a large non-HugeTLB folio (§4.3). */
export function maybeMappedShared(f: MmIdSlots): boolean {
  if (f.large + 1 <= 1) return false
  return f.shared
}

/** slotsFreeCheck - the v6.15 free-time reasons about the MM slots, or null. */
export function slotsFreeCheck(f: MmIdSlots): string | null {
  if (f.mmCnt0 !== -1) return 'nonzero mm mapcount 0'
  if (f.mmCnt1 !== -1) return 'nonzero mm mapcount 1'
  return null
}

/**
 * slotInvariants - §8.3 on the MM slots: Σ occupied slot counts ≤ large + 1; both slots occupied ⇒ shared
 * bit; large = −1 ⇒ both slots free and the shared bit clear; a free slot holds id 0 and count −1.
 */
export function slotInvariants(f: MmIdSlots): string[] {
  const bad: string[] = []
  const c0 = f.mmId0 === 0 ? 0 : f.mmCnt0 + 1
  const c1 = f.mmId1 === 0 ? 0 : f.mmCnt1 + 1
  if (c0 + c1 > f.large + 1) bad.push(`MM slot counts ${c0} + ${c1} exceed the large mapcount ${f.large + 1}`)
  if (f.mmId0 !== 0 && f.mmId1 !== 0 && !f.shared) bad.push('both MM slots occupied but the shared bit is clear')
  if (f.large === -1 && (f.mmId0 !== 0 || f.mmId1 !== 0 || f.shared)) bad.push('unmapped folio with an MM slot or the shared bit')
  if ((f.mmId0 === 0 && f.mmCnt0 !== -1) || (f.mmId1 === 0 && f.mmCnt1 !== -1)) bad.push('a free MM slot holds a count')
  return bad
}
