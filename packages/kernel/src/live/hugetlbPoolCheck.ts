import { existsSync, readFileSync } from 'node:fs'

/** the HugeTLB page sizes the language has, as their sysfs directories under /sys/kernel/mm/hugepages */
const SIZES = [
  ['2M', 'hugepages-2048kB'],
  ['1G', 'hugepages-1048576kB'],
] as const

/**
 * hugetlbPoolProblem - before a scenario maps anything, no HugeTLB page of any size may be reserved or
 * surplus: the scenario's pool is then exactly what it set. A reservation nothing owns is another user's,
 * or one a kernel bug leaked — on 6.18 an mremap() of part of a private HugeTLB mapping whose pages were
 * never faulted leaks the reservations of the VMAs it splits off (docs/kernel-behaviour.md §8.6; they stay
 * until reboot, as surplus pages once the pool shrinks). Runs on such a kernel see a smaller pool than the
 * model (mmap ENOMEM, SIGBUS, other vmemmap counts), so they are refused with this one line.
 * @root: the sysfs directory of the pools (tests give another)
 * @returns the problem, or null
 */
export function hugetlbPoolProblem(root = '/sys/kernel/mm/hugepages'): string | null {
  const bad: string[] = []
  for (const [size, sub] of SIZES) {
    const dir = `${root}/${sub}`
    if (!existsSync(dir)) continue
    const resv = Number(readFileSync(`${dir}/resv_hugepages`, 'utf8'))
    const surplus = Number(readFileSync(`${dir}/surplus_hugepages`, 'utf8'))
    if (resv > 0 || surplus > 0) bad.push(`${size}: ${resv} reserved, ${surplus} surplus`)
  }
  if (bad.length === 0) return null
  return `HugeTLB pages are reserved before the scenario maps any (${bad.join('; ')}): another user holds them, or the kernel leaked them (6.18 leaks the reservations of a partial mremap of an unfaulted private HugeTLB mapping, docs/kernel-behaviour.md §8.6); the scenario's pool cannot be set up as written — stop the other user, or reboot`
}
