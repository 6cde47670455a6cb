import { formatSize } from './sizes.ts'
import type { Statement } from './statements.ts'

const PMD_SIZE = 2 * 1024 ** 2

/**
 * refusedKnobCombination - the knob combination this kernel refuses, if the `set` statements of
 * @statements ask for it (scenario contract v1.1 item 10): `shmem_thp=force` together with
 * `shmem_thp.SIZE=inherit` for a size below 2M. The kernel keeps the two apart both ways round:
 * shmem_parse_huge() refuses `force` while any order but the PMD order is in
 * huge_shmem_orders_inherit, and thpsize_shmem_enabled_store() refuses `inherit` for a non-PMD order
 * while `shmem_enabled` is `force` (EINVAL, "Do not override huge allocation policy with non-PMD
 * sized mTHP"), so no order of writes can set it up.
 * Only the effective value of each knob counts (the last `set` of it).
 * @returns the line to report (the later of the two `set`s) and the message, or null.
 * @see shmem_parse_huge(), thpsize_shmem_enabled_store() — mm/shmem.c
 */
export function refusedKnobCombination(statements: readonly Statement[]): { line: number; message: string } | null {
  let force: number | null = null
  const sizes = new Map<number, { line: number; inherit: boolean }>()
  for (const st of statements) {
    if (st.op !== 'set') continue
    if (st.knob === 'shmem_thp') force = st.value === 'force' ? st.line : null
    else if (st.knob === 'shmem_thp.size' && st.size < PMD_SIZE) sizes.set(st.size, { line: st.line, inherit: st.value === 'inherit' })
  }
  if (force === null) return null
  for (const [size, s] of [...sizes].sort((a, b) => a[0] - b[0])) {
    if (!s.inherit) continue
    return {
      line: Math.max(force, s.line),
      message: `set shmem_thp=force with set shmem_thp.${formatSize(size)}=inherit: this kernel refuses per-size inherit below 2M under force (the knob write is EINVAL; scenario contract v1.1 item 10)`,
    }
  }
  return null
}
