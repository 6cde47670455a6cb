import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireKernelTestLock, releaseKernelTestLock } from '../live/kernelTestLock.ts'
import { acquireKnobLock, recordJournal, releaseKnobLock } from '../live/knobJournal.ts'
import { knobSetting, THP_DIR, writeKnob } from '../live/knobs.ts'
import { parseScenario } from '../scenario/parseScenario.ts'
import { punchFile, takeExtraRef } from './punch.ts'
import type { SimContext } from './simContext.ts'
import { runScenario } from './simulateScenario.ts'

// Live kernel (MMSIM_LIVE_KERNEL=1, under the live-kernel test lock and the knob lock; the one knob changed is
// restored through the knob journal): what the simulated punch predicts when a large shmem folio's split
// fails. The scenario language cannot take an extra reference, so this C probe does (vmsplice() of page 8
// into a pipe: the pipe buffer holds a reference on the folio), then punches pages [1, 3) of a 64K memfd
// folio. Per page 0..15 it prints <present in pagemap><flags of the page's original PFN> (H compound head,
// T compound tail, - order 0, B free in the buddy allocator).
const PROBE = String.raw`#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* punch pages [1, 3) of a 64K shmem folio, with (argv[1] = "pin") or without a vmsplice reference on page 8 */
#define PG 4096
#define NR 32
static uint64_t pm(int fd, void *a) { uint64_t e = 0; pread(fd, &e, 8, ((uintptr_t)a / PG) * 8); return e; }
static uint64_t flags(uint64_t pfn) { uint64_t f = 0; int fd = open("/proc/kpageflags", O_RDONLY); pread(fd, &f, 8, pfn * 8); close(fd); return f; }
static void show(const char *when, int pmfd, char *a, uint64_t *pfn0) {
  printf("%s", when);
  for (int i = 0; i < 16; i++) {
    uint64_t e = pm(pmfd, a + i * PG);
    int present = (e >> 63) & 1;
    uint64_t f = flags(pfn0[i]);
    /* old PFN's flags: H head, T tail, - order 0; B buddy (free) */
    char c = (f >> 10 & 1) ? 'B' : (f >> 15 & 1) ? 'H' : (f >> 16 & 1) ? 'T' : '-';
    printf(" %d%c", present, c);
  }
  printf("\n");
}
int main(int argc, char **argv) {
  int pin = argc > 1 && strcmp(argv[1], "pin") == 0;
  int fd = memfd_create("probe", 0);
  ftruncate(fd, NR * PG);
  char *a = mmap(NULL, 4 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *al = (char *)(((uintptr_t)a + (2 << 20) - 1) & ~((uintptr_t)(2 << 20) - 1));
  a = mmap(al, NR * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  for (int i = 0; i < 16; i++) a[i * PG] = 1;
  int pmfd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t pfn0[16];
  for (int i = 0; i < 16; i++) pfn0[i] = pm(pmfd, a + i * PG) & ((1ULL << 55) - 1);
  int order = 0;
  while (order < 9 && pfn0[0] + (1 << (order + 1)) - 1 == pfn0[(1 << (order + 1)) - 1 < 16 ? (1 << (order + 1)) - 1 : 0] && (1 << (order + 1)) <= 16) order++;
  printf("contiguous %d head-flags %c\n", order, (flags(pfn0[0]) >> 15 & 1) ? 'H' : '-');
  int p[2];
  pipe(p);
  if (pin) {
    struct iovec v = { a + 8 * PG, PG };
    if (vmsplice(p[1], &v, 1, 0) != PG) { perror("vmsplice"); return 1; }
  }
  show("before", pmfd, a, pfn0);
  if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1 * PG, 2 * PG)) { perror("fallocate"); return 1; }
  show("after ", pmfd, a, pfn0);
  printf("page1 %d page3 %d\n", a[1 * PG], a[3 * PG]);
  uint64_t n1 = pm(pmfd, a + 1 * PG) & ((1ULL << 55) - 1);
  printf("refault page1 same-pfn %d\n", n1 == pfn0[1]);
  close(p[0]);
  close(p[1]);
  show("unpin ", pmfd, a, pfn0);
  return 0;
}
`

const live = process.env['MMSIM_LIVE_KERNEL'] === '1'
const KNOB = join(THP_DIR, 'hugepages-64kB/shmem_enabled')
let dir = ''
let bin = ''

function probe(arg: string): string[] {
  return execFileSync(bin, arg === '' ? [] : [arg], { encoding: 'utf8' }).trim().split('\n')
}

describe.skipIf(!live)('a punch of a 64K shmem folio on the live kernel', () => {
  beforeAll(async () => {
    await acquireKernelTestLock()
    await acquireKnobLock()
    recordJournal([{ path: KNOB, value: knobSetting(KNOB) }])
    writeKnob(KNOB, 'always')
    dir = mkdtempSync(join(tmpdir(), 'mmsim-split-probe-'))
    writeFileSync(join(dir, 'probe.c'), PROBE)
    bin = join(dir, 'probe')
    execFileSync('cc', ['-O1', '-o', bin, join(dir, 'probe.c')])
  }, 700_000)

  afterAll(() => {
    const failed = releaseKnobLock()
    releaseKernelTestLock()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
    expect(failed).toEqual([])
  })

  // expected lines: observed on this machine's 6.18.44 kernel (2026-12-02), and what the model predicts
  it('without a pin the split succeeds: the whole folio is unmapped, pages 0-3 order 0 (1, 2 freed), [4,8) and [8,16) buddies', () => {
    expect(probe('')).toEqual([
      'contiguous 4 head-flags H',
      'before 1H 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T',
      // split at page 1, then at page 3 (the page after the hole); file folios are not remapped after a split
      'after  0- 0- 0- 0- 0H 0T 0T 0T 0H 0T 0T 0T 0T 0T 0T 0T',
      'page1 0 page3 1',
      'refault page1 same-pfn 0',
      // the refaults (and shmem fault-around) map the cached pages again; page 2 is gone
      'unpin  1- 1- 0- 1- 1H 1T 1T 1T 1H 1T 1T 1T 1T 1T 1T 1T',
    ])
  })

  it('with a pin (vmsplice) the split fails: the folio stays whole and mapped, only the hole unmapped, zeroed and still held', () => {
    expect(probe('pin')).toEqual([
      'contiguous 4 head-flags H',
      'before 1H 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T',
      'after  1H 0T 0T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T',
      'page1 0 page3 1',
      'refault page1 same-pfn 1',
      // dropping the pin does not split it later: nothing retries (what both proposals are about); the refault
      // of page 1 fault-around maps the held page 2 again
      'unpin  1H 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T 1T',
    ])
  })

  it('the model agrees: with an extra reference the 64K folio stays whole, pages 1 and 2 unmapped, zeroed and held', () => {
    const s = parseScenario('set shmem_thp.64K=always\nset shmem_thp.2M=never\np0 mmap A 128K shmem shared\np0 write A[0+64K]\n', 'probe.scenario')
    runScenario(s, null, null, (ctx: SimContext) => {
      const m = ctx.map('p0', 'A')
      const head = ctx.entry(0, m.start)
      takeExtraRef(ctx, head)
      punchFile(ctx, m, 1, 2)
      expect(ctx.folio(head).order).toBe(4)
      expect(Array.from({ length: 16 }, (_, i) => (ctx.entry(0, m.start + i) >= 0 ? 1 : 0)).join('')).toBe('1001111111111111')
      expect([ctx.data.has(head + 1), ctx.data.has(head + 2), ctx.data.has(head + 3)]).toEqual([false, false, true])
    })
  })
})
