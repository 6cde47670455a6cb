import { UserError } from '../userError.ts'

/** bisectRunCommand - `mmsim bisect TRACE --run CMD` (not yet wired). */
export async function bisectRunCommand(_input: string, _cmd: string): Promise<void> {
  throw new UserError('bisect --run: not implemented yet')
}
