#!/usr/bin/env node
import { Command } from 'commander'
import { registerAll } from './commands/index.ts'
import { runMain } from './runMain.ts'

const program = new Command()
program
  .name('mmsim')
  .description('Record, replay, diff and bisect Linux folio/page mapcount schemes on traces of MM operations')
  .showHelpAfterError('(run mmsim --help for usage)')
registerAll(program)
await runMain(program, process.argv)
