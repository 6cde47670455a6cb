import type { Command } from 'commander'
import type { CliIo } from '../cliIo.ts'
import { register as registerConvert } from './convert.ts'
import { register as registerDemo } from './demo.ts'
import { register as registerInfo } from './info.ts'
import { register as registerReplay } from './replay.ts'
import { register as registerObserve } from './observe.ts'
import { register as registerKernel } from './kernel.ts'
import { register as registerStrategies } from './strategies.ts'
import { register as registerRecord } from './record.ts'
import { register as registerVerify } from './verify.ts'
import { register as registerDiff } from './diff.ts'
import { register as registerBisect } from './bisect.ts'
import { register as registerInspect } from './inspect.ts'
import { register as registerShrink } from './shrink.ts'
import { register as registerExportPerfetto } from './exportPerfetto.ts'
import { register as registerExportC } from './exportC.ts'
import { register as registerReport } from './report.ts'
import { register as registerWaste } from './waste.ts'
import { register as registerSweep } from './sweep.ts'
import { register as registerLocks } from './locks.ts'
import { register as registerHvo } from './hvo.ts'
import { register as registerDifftest } from './difftest.ts'
import { register as registerCost } from './cost.ts'

/** registerAll - attach every mmsim subcommand to @program (one file per command, each exports register()). */
export function registerAll(program: Command, io: CliIo): void {
  registerDemo(program, io)
  registerInfo(program, io)
  registerConvert(program, io)
  registerReplay(program, io)
  registerObserve(program, io)
  registerKernel(program, io)
  registerStrategies(program, io)
  registerRecord(program, io)
  registerVerify(program, io)
  registerDiff(program, io)
  registerBisect(program, io)
  registerInspect(program, io)
  registerShrink(program, io)
  registerExportPerfetto(program, io)
  registerExportC(program, io)
  registerReport(program, io)
  registerWaste(program, io)
  registerSweep(program, io)
  registerLocks(program, io)
  registerHvo(program, io)
  registerDifftest(program, io)
  registerCost(program, io)
}
