import { HPAGE_PMD_ORDER, type Vma } from '@mmsim/core'
import { mthpPolicy, shmemMthpPolicy, type KnobSettings } from '../scenario/knobSettings.ts'

/**
 * anonAllowableOrders - the anon THP orders (2..9, highest first) a page fault may use in @vma:
 * per-size `hugepages-<n>kB/enabled` (`inherit` follows the top-level `enabled`), `madvise` needing
 * VM_HUGEPAGE, nothing under VM_NOHUGEPAGE. Order 1 is never used for anon memory.
 * @see __thp_vma_allowable_orders(), thp_vma_allowable_orders() — mm/huge_memory.c, include/linux/huge_mm.h
 */
export function anonAllowableOrders(k: KnobSettings, vma: Vma): number[] {
  if (vma.thp === 'nohugepage') return []
  const out: number[] = []
  for (let order = HPAGE_PMD_ORDER; order >= 2; order--) {
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
 * allocate in @vma (a memfd or `anon shared` VMA: both are anonymous shared memory to the kernel,
 * shmem_mmap() gives an unlinked shmem file shmem_anon_vm_ops). Nothing under VM_NOHUGEPAGE
 * (vma_thp_disabled(), also under `force`) or `deny`. Under `force` exactly the per-size sizes set to
 * `inherit` (the parser refuses an inherit size below 2M there, so at most 2M). Otherwise the sizes set to
 * `always`, to `within_size` whose aligned block around @index ends inside the file, to `advise` in a
 * VM_HUGEPAGE VMA, and every `inherit` size once the top-level policy would allow a PMD folio here
 * (shmemGlobalPmd()).
 * @see shmem_allowable_huge_orders(), shmem_huge_global_enabled(), shmem_get_orders_within_size(),
 *      vma_thp_disabled() — mm/shmem.c, include/linux/huge_mm.h
 */
export function shmemAllowableOrders(k: KnobSettings, vma: Vma | undefined, fileIndex: number, filePages: number): number[] {
  if (vma?.thp === 'nohugepage' || k.shmemThp === 'deny') return []
  const advised = vma?.thp === 'hugepage'
  const global = k.shmemThp !== 'force' && shmemGlobalPmd(k, advised, fileIndex, filePages)
  const out: number[] = []
  for (let order = HPAGE_PMD_ORDER; order >= 1; order--) {
    const p = shmemMthpPolicy(k, 4096 << order)
    let on: boolean
    if (k.shmemThp === 'force') on = p === 'inherit'
    else if (p === 'inherit') on = global
    else if (p === 'always') on = true
    else if (p === 'within_size') on = withinSize(order, fileIndex, filePages)
    else on = p === 'advise' && advised
    if (on) out.push(order)
  }
  return out
}

/**
 * shmemGlobalPmd - the top-level `shmem_enabled` (the shmem mount's huge= option) allows a PMD folio at
 * file index @index: `always`; `within_size` when a 2M block around @index ends inside the file, else
 * as `advise`; `advise` in a VM_HUGEPAGE VMA (@advised). `never`: no.
 * @see shmem_huge_global_enabled() — mm/shmem.c (its SHMEM_HUGE_WITHIN_SIZE case falls through to ADVISE)
 */
export function shmemGlobalPmd(k: KnobSettings, advised: boolean, index: number, filePages: number): boolean {
  switch (k.shmemThp) {
    case 'always':
    case 'force':
      return true
    case 'within_size':
      return withinSize(HPAGE_PMD_ORDER, index, filePages) || advised
    case 'advise':
      return advised
    default:
      return false
  }
}

function withinSize(order: number, index: number, filePages: number): boolean {
  return filePages >= 2 ** order * (Math.floor(index / 2 ** order) + 1)
}
