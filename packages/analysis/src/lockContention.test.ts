import { describe, expect, it } from 'vitest'
import { simulateLocks, type LockModel } from './lockContention.ts'

const base: LockModel = { vcpus: 1, faults: 3, page: '2M', pattern: 'random', seed: 1, guestBytes: 64 * 2 ** 30, workNs: 5000, ptlHoldNs: 200, vmaHoldNs: 1000 }
const by = (m: LockModel, d: string) => simulateLocks(m).designs.find((x) => x.design === d)!

describe('simulateLocks', () => {
  it('1 vCPU never waits: total = faults × (work + hold) = 3 × (5000 + 200) = 15,600 ns', () => {
    for (const d of simulateLocks(base).designs) {
      expect(d).toMatchObject({ acquisitions: 3, maxQueue: 0, waitNs: 0, waitFraction: 0 })
      expect(d.totalNs).toBe(3 * (5000 + d.holdNs))
    }
  })

  it('2 vCPUs on one lock, work 0, hold 100: strictly serial, every fault but the first waits 100 ns', () => {
    // v0 holds [0,100], v1 waits 100 and holds [100,200], v0 asks at 100 and waits to 200, …: 2M-1 = 5 waits
    // of 100 = 500 ns; the last release at 2M × 100 = 600; v0 ends at 500, v1 at 600: fraction 500/1100
    const d = by({ ...base, vcpus: 2, pattern: 'same-2M', workNs: 0, ptlHoldNs: 100 }, 'mm-page-table-lock')
    expect(d).toMatchObject({ waitNs: 500, totalNs: 600, maxQueue: 1, contended: 5 })
    expect(d.waitFraction).toBeCloseTo(500 / 1100, 12)
  })

  it('2 vCPUs on one lock with work ≥ hold: only the first request collides, then they alternate', () => {
    // both ask at 5000; v1 waits 200; from then on v1 lags v0 by 200 < work: total wait 200, end 3×5200+200
    const d = by({ ...base, vcpus: 2, pattern: 'same-2M' }, 'mm-page-table-lock')
    expect(d).toMatchObject({ waitNs: 200, totalNs: 15_800, maxQueue: 1, contended: 1 })
    expect(d.waitFraction).toBeCloseTo(200 / (15_600 + 15_800), 12)
  })

  it('same-2M: split-pte-ptl degenerates to the one lock (same result as mm-page-table-lock)', () => {
    const r = simulateLocks({ ...base, vcpus: 16, faults: 50, pattern: 'same-2M' })
    const [mm, pte] = ['mm-page-table-lock', 'split-pte-ptl'].map((n) => r.designs.find((d) => d.design === n)!)
    expect(pte!.locks).toBe(1)
    expect({ ...pte, design: '', lock: '' }).toEqual({ ...mm, design: '', lock: '' })
  })

  it('256 vCPUs random: one lock serializes (wait → 1 − (work+hold)/(N·hold)), per-2M locks do not', () => {
    const r = simulateLocks({ ...base, vcpus: 256, faults: 200 })
    const mm = r.designs.find((d) => d.design === 'mm-page-table-lock')!
    const pte = r.designs.find((d) => d.design === 'split-pte-ptl')!
    // saturated round robin: cycle 256 × 200 = 51,200 ns, of which 5,200 busy: wait fraction → 0.898
    expect(mm.waitFraction).toBeGreaterThan(0.85)
    expect(mm.maxQueue).toBe(255)
    expect(mm.totalNs).toBeGreaterThanOrEqual(256 * 200 * 200) // the lock is a bottleneck: N·M·hold
    expect(pte.waitFraction).toBeLessThan(0.01)
    expect(pte.totalNs).toBeLessThan(1.01 * pte.uncontendedNs)
  })

  it('wait fraction of the one lock grows with the vCPU count; the run is seeded', () => {
    const w = [1, 4, 16, 64, 256].map((n) => by({ ...base, vcpus: n, faults: 50 }, 'mm-page-table-lock').waitFraction)
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!)
    expect(simulateLocks({ ...base, vcpus: 64 })).toEqual(simulateLocks({ ...base, vcpus: 64 }))
  })
})
