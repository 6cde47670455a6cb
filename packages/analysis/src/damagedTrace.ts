import { describeDamage, TraceError, type FrameDamage } from '@mmsim/trace'

/**
 * damagedTrace - the one-line error of a command that needs every event of trace @file (bisect, inspect, the
 * HVO-write scan: after a lost frame the state they rebuild is not the kernel's) when it meets @damage. The
 * CLI prints it as one line, exit 2; `mmsim convert --salvage` writes the intact frames to a new trace.
 */
export function damagedTrace(file: string, damage: FrameDamage, command: string): TraceError {
  return new TraceError(`${describeDamage(file, damage)}; ${command} needs the whole trace (mmsim convert --salvage keeps its intact frames)`)
}
