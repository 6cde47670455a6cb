import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { mmsimIn } from './cliRun.ts'

const dir = mkdtempSync(join(tmpdir(), 'mmsim-unbatch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const COW_PTE = 'traces/scenarios/cow-pte-mapped-thp.scenario'
const digest = (out: string): string => /^digest\s+(sha256:[0-9a-f]{64})$/m.exec(out)![1]!

describe('mmsim convert --unbatch', () => {
  test('cow-pte-mapped-thp: the fork batches become one event per PTE, and the replay ends in the same state', async () => {
    const a = join(dir, 'a.mmtrace')
    const b = join(dir, 'b.mmtrace')
    expect((await mmsimIn('record', COW_PTE, '-o', a)).status).toBe(0)
    const c = await mmsimIn('convert', '--unbatch', a, b)
    expect(c.status, c.stderr).toBe(0)
    // 19 events; fork duplicates the PTE-mapped THP's 512 PTEs in 3 batches (the mprotects left VMAs [0,1),
    // [1,2), [2,512) pages): 3 → 512 events, +509; the one rmap/removed is a single PTE already
    expect(c.stdout).toBe(`${b}: 528 events (19 before --unbatch)\n`)
    const ra = await mmsimIn('replay', a)
    const rb = await mmsimIn('replay', b)
    expect(rb.status, rb.stderr).toBe(0)
    expect(rb.stdout).toMatch(/^ {2}rmap\/anonDuplicated +512 /m)
    expect(digest(rb.stdout)).toBe(digest(ra.stdout))
  })

  test('munmap of a PTE-mapped THP and a PMD-mapped one: the PTE batch splits, the PMD entry stays one event', async () => {
    const sc = join(dir, 'zap.scenario')
    writeFileSync(sc, 'p0 mmap A 4M anon private\np0 madvise A hugepage\np0 write A\np0 mprotect A[4K+4K] ro\np0 mprotect A[4K+4K] rw\np0 munmap A\n')
    const a = join(dir, 'zap.mmtrace')
    const b = join(dir, 'zap-unbatched.jsonl')
    expect((await mmsimIn('record', sc, '-o', a)).status).toBe(0)
    // 17 events; the munmap removes the remapped THP's 512 PTEs in one rmap/removed (→ 512 events, +511)
    // and the other THP's PMD (one entry: unchanged)
    expect((await mmsimIn('convert', '--unbatch', a, b)).stdout).toBe(`${b}: 528 events (17 before --unbatch)\n`)
    const rb = await mmsimIn('replay', b)
    expect(rb.status, rb.stderr).toBe(0)
    expect(rb.stdout).toMatch(/^ {2}rmap\/removed +513 /m)
    expect(digest(rb.stdout)).toBe(digest((await mmsimIn('replay', a)).stdout))
  })

  test('batching measured on one trace: linux-6.15 on the unbatched trace makes the calls linux-6.8 makes on the batched one', async () => {
    const a = join(dir, 'a.mmtrace')
    const b = join(dir, 'c.jsonl')
    expect((await mmsimIn('record', COW_PTE, '-o', a)).status).toBe(0)
    expect((await mmsimIn('convert', '--unbatch', a, b)).status).toBe(0)
    const calls = async (t: string, id: string): Promise<number> => (JSON.parse((await mmsimIn('cost', t, '--strategy', id, '--json')).stdout) as { schemes: { total: { rmapCalls: number } }[] }).schemes[0]!.total.rmapCalls
    // batched: 2 (remap) + 3 (fork, one per batch) + 2 (new anon) + 1 (COW's removal) = 8; unbatched: 3 → 512
    expect(await calls(a, 'linux-6.15')).toBe(8)
    expect(await calls(b, 'linux-6.15')).toBe(2 + 512 + 2 + 1)
    expect(await calls(a, 'linux-6.8')).toBe(2 + 512 + 2 + 1)
  })
})
