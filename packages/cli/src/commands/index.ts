import type { Command } from 'commander'
import { register as registerObserve } from './observe.ts'
import { register as registerKernel } from './kernel.ts'

/** registerAll - attach every mmsim subcommand to @program (one file per command, each exports register()). */
export function registerAll(program: Command): void {
  registerObserve(program)
  registerKernel(program)
}
