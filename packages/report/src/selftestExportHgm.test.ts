import { describe, expect, it } from 'vitest'
import { parseScenario, simulateScenario } from '@mmsim/kernel'
import { exportSelftestC, SelftestError } from './selftestExport.ts'

// `set hgm=on` is model-only (HGM v2 was never merged: 6.18 answers EINVAL to MADV_SPLIT, advice 26), so a
// kselftest of such a scenario could only fail on a real kernel: export-c refuses it, naming the `set` line.
describe('export-c: set hgm=on is model-only', () => {
  const text = 'set hugetlb.2M=1\nset hgm=on\np0 mmap A 2M hugetlb2M shared\np0 madvise A split\np0 continue A[0K+4K]\ncheck\n'

  it('refuses with the set line and the one model-only message', () => {
    const s = parseScenario(text, 'x.scenario')
    const model = simulateScenario(s).observation
    expect(() => exportSelftestC(s, model)).toThrow(SelftestError)
    expect(() => exportSelftestC(s, model)).toThrow('x.scenario:2: this kernel has no HugeTLB high-granularity mapping (set hgm=on is model-only)')
  })

  it('set hgm=off exports a program (no knob file is written for it)', () => {
    const s = parseScenario('set hgm=off\nset hugetlb.2M=1\np0 mmap A 2M hugetlb2M shared\np0 continue A\ncheck\n', 'y.scenario')
    const c = exportSelftestC(s, simulateScenario(s).observation)
    expect(c).toContain('set hgm=off')
    expect(c).not.toContain('hgm"')
  })
})
