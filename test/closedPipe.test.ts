// `mmsim … | head`: a reader that goes away ends mmsim quietly, with the status of a SIGPIPE death (as git).
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT } from './cliRun.ts'

describe('a closed stdout pipe', () => {
  it.each([
    ['inspect --json', 'inspect traces/fork-cow-pmd-thp.mmtrace --at 5 --json'],
    ['replay --json', 'replay traces/fork-cow-pmd-thp.mmtrace --json'],
  ])('%s | head -c 1: no stack trace, status 141', (_name, args) => {
    // the sleep lets head exit before mmsim writes, so the write meets a closed pipe on every run
    const r = spawnSync('bash', ['-c', `e=$(mktemp); (sleep 0.3; node dist/mmsim.mjs ${args}) 2>$e | head -c 0; s=\${PIPESTATUS[0]}; cat $e >&2; rm -f $e; exit $s`], { cwd: ROOT, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(141)
  })
})
