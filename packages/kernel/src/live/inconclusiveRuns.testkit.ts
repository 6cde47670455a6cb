// For live-kernel test files: a run that found no valid observation (every attempt met struct pages
// this VM reads as blank, docs/observation-format.md machine notes) is inconclusive — logged and
// counted, not failed and not passed; each file bounds how many of its runs may end that way.
import type { ParsedScenario } from '../scenario/parseScenario.ts'
import { HugetlbPoolUnusable, NoValidObservation } from './liveKernelError.ts'
import type { ObservationDocument } from './observation.ts'
import { observeLive } from './observeLive.ts'

/** InconclusiveRuns - the names of the runs of one test file that ended without a valid observation. */
export class InconclusiveRuns {
  readonly names: string[] = []
  /** why the last observe() gave null: the test's one-line skip reason */
  reason = ''

  /**
   * observe - observeLive(@s), trying the whole run once more when it ends without a valid
   * observation; null (after logging @name with the reason) when the second run ends so too.
   */
  async observe(name: string, s: ParsedScenario): Promise<ObservationDocument | null> {
    const note = (m: string): void => console.log(`${name}: ${m}`)
    for (let run = 1; ; run++) {
      try {
        return await observeLive(s, { note })
      } catch (e) {
        if (e instanceof HugetlbPoolUnusable) {
          // this machine cannot run HugeTLB scenarios as written (not bounded: it is the machine, not the run)
          this.reason = `skipped: ${e.message}`
          return null
        }
        if (!(e instanceof NoValidObservation)) throw e
        if (run === 2) {
          this.names.push(name)
          this.reason = 'inconclusive: no valid observation (blank struct pages) in two runs'
          console.log(`${name}: inconclusive: ${e.message}`)
          return null
        }
        note(`${e.message}; running the scenario once more`)
      }
    }
  }
}
