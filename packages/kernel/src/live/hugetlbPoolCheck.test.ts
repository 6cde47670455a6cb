import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hugetlbPoolProblem } from './hugetlbPoolCheck.ts'

const root = mkdtempSync(join(tmpdir(), 'mmsim-pool-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
function pool(sub: string, resv: number, surplus: number): void {
  mkdirSync(join(root, sub), { recursive: true })
  writeFileSync(join(root, sub, 'resv_hugepages'), `${resv}\n`)
  writeFileSync(join(root, sub, 'surplus_hugepages'), `${surplus}\n`)
}

describe('hugetlbPoolProblem', () => {
  it('no pool directories, or nothing reserved or surplus: no problem', () => {
    expect(hugetlbPoolProblem(root)).toBeNull()
    pool('hugepages-2048kB', 0, 0)
    pool('hugepages-1048576kB', 0, 0)
    expect(hugetlbPoolProblem(root)).toBeNull()
  })
  it('pages reserved (the leak this machine showed: 24 reserved 2M pages) or surplus: one line naming both counts per size', () => {
    pool('hugepages-2048kB', 24, 0)
    pool('hugepages-1048576kB', 0, 1)
    const p = hugetlbPoolProblem(root)!
    expect(p).toMatch(/^HugeTLB pages are reserved before the scenario maps any \(2M: 24 reserved, 0 surplus; 1G: 0 reserved, 1 surplus\): /)
    expect(p).toContain('reboot')
    expect(p.split('\n')).toHaveLength(1)
  })
})
