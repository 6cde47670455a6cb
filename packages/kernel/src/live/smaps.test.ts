import { describe, expect, it } from 'vitest'
import { SmapsFormatError, smapsOfRange } from './smaps.ts'

// a /proc/PID/smaps excerpt in the kernel's layout (__show_smap(), fs/proc/task_mmu.c), written by hand:
// two VMAs of one mapping (split by mprotect) inside [0x200000000000, +2M), one VMA outside it
const TEXT = `200000000000-200000100000 rw-p 00000000 00:00 0
Size:               1024 kB
Rss:                1024 kB
Pss:                 512 kB
Shared_Clean:          0 kB
Shared_Dirty:       1024 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
VmFlags: rd wr mr mw me ac
200000100000-200000200000 r--p 00000000 00:00 0
Rss:                   8 kB
Pss:                   8 kB
Private_Dirty:         8 kB
AnonHugePages:      2048 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  16 kB
Private_Dirty:        16 kB
`

describe('smapsOfRange', () => {
  it('sums the printed kB of the VMAs that start inside the range, ignoring the others and unknown lines', () => {
    expect(smapsOfRange(TEXT, 0x200000000000, 0x200000200000)).toEqual({
      Rss: 1032, Pss: 520, Shared_Clean: 0, Shared_Dirty: 1024, Private_Clean: 0, Private_Dirty: 8,
      AnonHugePages: 2048, ShmemPmdMapped: 0, FilePmdMapped: 0,
    })
  })
  it('is all zeros for a range without VMAs (a mapping wholly unmapped)', () => {
    expect(Object.values(smapsOfRange(TEXT, 0x300000000000, 0x300000200000)).every((v) => v === 0)).toBe(true)
  })
  it('names the line of a VMA header that does not parse (a misread file is an error, not zeros)', () => {
    const bad = TEXT.replace('200000100000-200000200000 r--p', '20000010000O-200000200000 r--p')
    expect(() => smapsOfRange(bad, 0x200000000000, 0x200000200000)).toThrow(SmapsFormatError)
    expect(() => smapsOfRange(bad, 0x200000000000, 0x200000200000)).toThrow(/smaps line 13: expected a VMA header/)
  })
  it('names the line of a counted field whose value is not "N kB"', () => {
    const bad = TEXT.replace('Pss:                 512 kB', 'Pss:                 512 MB')
    expect(() => smapsOfRange(bad, 0x200000000000, 0x200000200000)).toThrow(/smaps line 4: expected 'Pss: N kB'/)
  })
})
