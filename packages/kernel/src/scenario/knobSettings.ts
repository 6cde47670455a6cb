import type { MthpPolicy, ShmemMthpPolicy, ShmemThpPolicy, Statement, ThpPolicy } from './statements.ts'

const MiB = 1024 ** 2

/**
 * KnobSettings - the kernel knobs a scenario runs with: its `set` statements (last one wins) over
 * the contract's forced defaults. Sizes are bytes. Sizes absent from @thpSizes / @shmemThpSizes
 * take the default (see mthpPolicy(), shmemMthpPolicy()).
 */
export interface KnobSettings {
  thp: ThpPolicy
  thpSizes: Map<number, MthpPolicy>
  shmemThp: ShmemThpPolicy
  shmemThpSizes: Map<number, ShmemMthpPolicy>
  /** HugeTLB pool sizes, by page size (2M, 1G); absent = 0. */
  hugetlb: Map<number, number>
  hvo: boolean
  /** `set hgm=on` (model-only extension): HugeTLB high-granularity mapping of the HGM v2 series; default off */
  hgm: boolean
}

/** effectiveKnobs - fold the `set` statements of @statements over the defaults. */
export function effectiveKnobs(statements: readonly Statement[]): KnobSettings {
  const k: KnobSettings = { thp: 'madvise', thpSizes: new Map(), shmemThp: 'never', shmemThpSizes: new Map(), hugetlb: new Map(), hvo: false, hgm: false }
  for (const st of statements) {
    if (st.op !== 'set') continue
    switch (st.knob) {
      case 'thp':
        k.thp = st.value
        break
      case 'thp.size':
        k.thpSizes.set(st.size, st.value)
        break
      case 'shmem_thp':
        k.shmemThp = st.value
        break
      case 'shmem_thp.size':
        k.shmemThpSizes.set(st.size, st.value)
        break
      case 'hugetlb':
        k.hugetlb.set(st.size, st.value)
        break
      case 'hvo':
        k.hvo = st.value
        break
      case 'hgm':
        k.hgm = st.value
        break
    }
  }
  return k
}

/** mthpPolicy - anon mTHP policy of @size bytes: explicit, else `inherit` for 2M and `never` otherwise. */
export function mthpPolicy(k: KnobSettings, size: number): MthpPolicy {
  return k.thpSizes.get(size) ?? (size === 2 * MiB ? 'inherit' : 'never')
}

/** shmemMthpPolicy - shmem mTHP policy of @size bytes: explicit, else `inherit` for 2M and `never` otherwise. */
export function shmemMthpPolicy(k: KnobSettings, size: number): ShmemMthpPolicy {
  return k.shmemThpSizes.get(size) ?? (size === 2 * MiB ? 'inherit' : 'never')
}
