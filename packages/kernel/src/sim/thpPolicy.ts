import type { Vma } from '@mmsim/core'
import { mthpPolicy, shmemMthpPolicy, type KnobSettings } from '../scenario/knobSettings.ts'

/** PMD_ORDER - order of a PMD-sized folio (2 MiB of 4 KiB pages). */
export const PMD_ORDER = 9

/**
 * anonAllowableOrders - the anon THP orders (2..9, highest first) a page fault may use in @vma:
 * per-size `hugepages-<n>kB/enabled` (`inherit` follows the top-level `enabled`), `madvise` needing
 * VM_HUGEPAGE, nothing under VM_NOHUGEPAGE. Order 1 is never used for anon memory.
 * @see __thp_vma_allowable_orders(), thp_vma_allowable_orders() — mm/huge_memory.c, include/linux/huge_mm.h
 */
export function anonAllowableOrders(k: KnobSettings, vma: Vma): number[] {
  if (vma.thp === 'nohugepage') return []
  const out: number[] = []
  for (let order = PMD_ORDER; order >= 2; order--) {
    let p: string = mthpPolicy(k, 4096 << order)
    if (p === 'inherit') p = k.thp
    if (p === 'always' || (p === 'madvise' && vma.thp === 'hugepage')) out.push(order)
  }
  return out
}

/**
 * suitableOrder - the naturally aligned block of 2^@order pages around @vpn lies inside @vma (for file
 * memory also aligned in the file).
 * @see thp_vma_suitable_order() — include/linux/huge_mm.h
 */
export function suitableOrder(vma: Vma, vpn: number, order: number): boolean {
  const n = 2 ** order
  const lo = vpn - (vpn % n)
  if (lo < vma.start || lo + n > vma.end) return false
  if (vma.kind !== 'anon' && (((vma.start - vma.pgoff) % n) + n) % n !== 0) return false
  return true
}

/**
 * shmemAllowableOrders - the shmem folio orders (highest first) a fault at file index @index may
 * allocate in @vma: the PMD order from `shmem_enabled` (always/within_size/advise+VM_HUGEPAGE/force),
 * the mTHP orders from `hugepages-<n>kB/shmem_enabled` (`inherit` follows the top-level policy).
 * @see shmem_allowable_huge_orders(), shmem_huge_global_enabled() — mm/shmem.c
 */
export function shmemAllowableOrders(k: KnobSettings, vma: Vma | undefined, fileIndex: number, filePages: number): number[] {
  if (k.shmemThp === 'deny') return []
  if (vma?.thp === 'nohugepage' && k.shmemThp !== 'force') return []
  const global = (): boolean => {
    switch (k.shmemThp) {
      case 'always':
      case 'force':
        return true
      case 'within_size':
        return filePages >= 512 * (Math.floor(fileIndex / 512) + 1)
      case 'advise':
        return vma?.thp === 'hugepage'
      default:
        return false
    }
  }
  const out: number[] = []
  for (let order = PMD_ORDER; order >= 1; order--) {
    const p = shmemMthpPolicy(k, 4096 << order)
    let on = false
    if (p === 'inherit') on = order === PMD_ORDER ? global() : false
    else if (p === 'always') on = true
    else if (p === 'within_size') on = filePages >= 2 ** order * (Math.floor(fileIndex / 2 ** order) + 1)
    else if (p === 'advise') on = vma?.thp === 'hugepage'
    if (on) out.push(order)
  }
  return out
}
