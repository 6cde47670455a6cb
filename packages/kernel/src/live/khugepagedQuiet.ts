import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/** khugepagedPid - pid of the khugepaged kthread, or null when it is not running (THP off). */
export function khugepagedPid(): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8') === 'khugepaged\n') return Number(d)
    } catch {
      /* gone */
    }
  }
  return null
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * waitKhugepagedAsleep - wait until khugepaged has finished the scan pass that our knob writes (or
 * the first registration of an mm) triggered: its thread is sleeping (state S) and has not run for
 * @quietMs. Afterwards it sleeps for KHUGEPAGED_ASLEEP_MS because the runner keeps its scan list
 * non-empty. Returns at once when khugepaged is not running (THP disabled).
 * @returns false when it did not settle within @timeoutMs.
 */
export async function waitKhugepagedAsleep(quietMs = 40, timeoutMs = 3000): Promise<boolean> {
  const pid = khugepagedPid()
  if (pid === null) return true
  const deadline = Date.now() + timeoutMs
  let last = ''
  let since = Date.now()
  while (Date.now() < deadline) {
    let sample: string
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      // idle = sleeping in its own wait (top frame khugepaged+…), not in lru_add_drain_all() or an allocation
      const top = readFileSync(`/proc/${pid}/stack`, 'utf8').split('\n')[0] ?? ''
      sample = `${state}${/\] khugepaged\+/.test(top) ? '' : '!'} ${readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]}`
    } catch {
      return true
    }
    if (sample !== last || !sample.startsWith('S ')) {
      last = sample
      since = Date.now()
    } else if (Date.now() - since >= quietMs) return true
    await sleep(5)
  }
  return false
}

/** khugepagedActivity - khugepaged's `pages_collapsed` and `full_scans` counters, as one comparable string. */
export function khugepagedActivity(): string {
  const dir = '/sys/kernel/mm/transparent_hugepage/khugepaged'
  try {
    return `${readFileSync(`${dir}/pages_collapsed`, 'utf8').trim()}/${readFileSync(`${dir}/full_scans`, 'utf8').trim()}`
  } catch {
    return ''
  }
}

/**
 * settleKhugepaged - force khugepaged into its long timed sleep before a scenario starts.
 * Precondition: scan_sleep_millisecs is already @sleepMs and the runner's anchor THP is registered
 * (the scan list is non-empty). khugepaged is boosted to nice 0 meanwhile (see boostKhugepaged()). Re-writing scan_sleep_millisecs makes khugepaged run one pass now
 * (over the anchor only: nothing to collapse) and then sleep @sleepMs; without this, the first PMD
 * split of the scenario was seen to wake it for a pass in the middle of the run.
 * @returns false when it could not be seen finishing that pass.
 */
export async function settleKhugepaged(sleepMs: string): Promise<boolean> {
  const pid = khugepagedPid()
  if (pid === null) return true
  const dir = '/sys/kernel/mm/transparent_hugepage/khugepaged'
  const switches = (): string => {
    try {
      return readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ')[2] ?? ''
    } catch {
      return 'gone'
    }
  }
  const before = switches()
  writeFileSync(`${dir}/scan_sleep_millisecs`, sleepMs)
  // khugepaged runs at nice 19: on a busy machine its pass can wait seconds for a CPU
  boostKhugepaged(true)
  try {
    // it must run at least once after the write (its pass), then sleep in its own wait; a pass
    // over a long scan list may end on its page budget without moving full_scans
    const deadline = Date.now() + 2000
    while (switches() === before && Date.now() < deadline) await sleep(2)
    return switches() !== before && (await waitKhugepagedAsleep())
  } finally {
    boostKhugepaged(false)
  }
}

/**
 * boostKhugepaged - run khugepaged at nice 0 (@on) or back at its own nice 19 (the value the kernel
 * gives the thread at start, so restoring it is always right). Ignores a vanished thread.
 */
export function boostKhugepaged(on: boolean): void {
  const pid = khugepagedPid()
  if (pid === null) return
  try {
    setPriority(pid, on ? 0 : 19)
  } catch {
    /* thread gone or not allowed */
  }
}
