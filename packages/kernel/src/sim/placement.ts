import type { MappingInfo } from '../scenario/scenarioScope.ts'
import { PAGE_SIZE } from '../scenario/sizes.ts'

/** SLOT_PAGES - pages between two mapping slots (64 GiB, like the live runner: slots are 1 GiB-aligned). */
export const SLOT_PAGES = (64 * 1024 ** 3) / PAGE_SIZE

/**
 * mappingVpn - the first vpn of mapping @info: its own 64 GiB slot (1 GiB-aligned, slot 0 at 64 GiB)
 * plus its skew, so THP eligibility depends only on the skew, as on the live kernel.
 */
export function mappingVpn(info: MappingInfo): number {
  return (info.slot + 1) * SLOT_PAGES + info.skew / PAGE_SIZE
}
