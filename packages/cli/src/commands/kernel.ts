import type { Command } from 'commander'
import { boostKhugepaged, journalOwnerAlive, journalPath, readJournal, restoreLeftJournal } from '@mmsim/kernel'
import { UserError } from '../userError.ts'
import { processIo, type CliIo } from '../cliIo.ts'

/**
 * kernelRestoreHandler - `mmsim kernel restore`: put back every knob recorded in the journal of a
 * live-kernel run that was killed (SIGKILL); refuses while that run is still alive.
 */
export function kernelRestoreHandler(io: CliIo = processIo()): void {
  const j = readJournal()
  if (!j) {
    io.stdout.write(`nothing to restore (no ${journalPath()})\n`)
    return
  }
  // alive while it holds the knob lock's flock (the kernel drops that when it dies); a journal of an older
  // mmsim is judged from /proc (a zombie or a recycled pid is dead); a run being killed is waited for (bounded)
  const alive = j.pid !== process.pid && journalOwnerAlive(j)
  if (alive) throw new UserError(`live-kernel run ${j.pid} is still running; it restores its own knobs`)
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new UserError('restoring kernel knobs needs root')
  boostKhugepaged(false) // a run killed while settling khugepaged may have left it at nice 0
  // under the knob lock: a run that took it meanwhile restores what was left itself (acquireKnobLock)
  const r = restoreLeftJournal()
  if (r === 'held') throw new UserError(`a live-kernel run holds ${journalPath()}; it restores the knobs left`)
  if (r === null) {
    io.stdout.write(`nothing to restore (no ${journalPath()})\n`)
    return
  }
  if (r.failed.length) throw new UserError(`could not restore: ${r.failed.join('; ')}`, 1)
  io.stdout.write(`restored ${r.journal.entries.length} knobs left by run ${r.journal.pid}\n`)
}

/** register - `mmsim kernel restore`. */
export function register(program: Command, io: CliIo): void {
  const kernel = program.command('kernel').description('live-kernel maintenance')
  kernel
    .command('restore')
    .description('restore THP/HugeTLB/HVO knobs left changed by a killed `observe --kernel` run')
    .action(() => kernelRestoreHandler(io))
}
