/**
 * LiveKernelError - the live kernel cannot run a scenario (missing privilege, missing /proc file,
 * runner not built, a knob this kernel lacks, a refused fork). Carries the one line the CLI prints
 * (`userMessage`, see cli/src/runMain.ts) and exit code 2.
 */
export class LiveKernelError extends Error {
  readonly userMessage: string
  constructor(message: string) {
    super(message)
    this.name = 'LiveKernelError'
    this.userMessage = message
  }
}
