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

/**
 * NoValidObservation - every attempt of a live run met struct pages this VM reads as blank (or
 * khugepaged kept interfering): the kernel gave no answer, which is neither agreement nor
 * disagreement. Tests log it as inconclusive and bound how often that may happen.
 */
export class NoValidObservation extends LiveKernelError {
  constructor(message: string) {
    super(message)
    this.name = 'NoValidObservation'
  }
}

/**
 * HugetlbPoolUnusable - HugeTLB pages are reserved or surplus before a scenario maps any (another user, or
 * reservations the kernel leaked: hugetlbPoolCheck.ts): the scenario's pool cannot be set up as written, so
 * the run is refused; tests skip such scenarios with this line.
 */
export class HugetlbPoolUnusable extends LiveKernelError {
  constructor(message: string) {
    super(message)
    this.name = 'HugetlbPoolUnusable'
  }
}
