import type { Command } from 'commander'

/** registerAll - attach every mmsim subcommand to @program (one file per command, each exports register()). */
export function registerAll(program: Command): void {
  void program
}
